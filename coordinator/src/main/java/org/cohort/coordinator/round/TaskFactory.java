package org.cohort.coordinator.round;

import com.google.protobuf.ByteString;
import java.util.HexFormat;
import java.util.List;
import org.cohort.coordinator.aggregation.Strategy;
import org.cohort.coordinator.registry.ModelVersion;
import org.cohort.coordinator.study.Study;
import org.cohort.coordinator.study.StudySpec;
import org.cohort.protocol.StudyTerms;
import org.cohort.protocol.v1.DatasetSpec;
import org.cohort.protocol.v1.FeatureColumnSpec;
import org.cohort.protocol.v1.PrivacyPlan;
import org.cohort.protocol.v1.RoundTask;
import org.cohort.protocol.v1.TaskKind;
import org.cohort.protocol.v1.TrainingPlan;
import org.springframework.stereotype.Component;

/** Builds the RoundTask message a selected site receives. */
@Component
public class TaskFactory {

    public RoundTask task(Study study, RoundState round, ModelVersion base) {
        var spec = study.spec();
        var plan = spec.plan();
        var b = RoundTask.newBuilder()
                .setStudyId(study.studyId())
                .setRoundId(round.roundId())
                .setRoundNumber(round.roundNumber())
                .setNonce(ByteString.copyFrom(round.nonce()))
                .setKind(round.kind() == RoundKind.TRAIN ? TaskKind.TRAIN : TaskKind.EVALUATE)
                .setModelVersion(base.version())
                .setModelDigest(ByteString.copyFrom(HexFormat.of().parseHex(base.payloadSha256Hex())))
                // a different seed each round, so local shuffles differ across rounds
                .setPlan(trainingPlan(spec, plan.seed() * 1_000_003L + round.roundNumber()))
                .setDataset(dataset(spec.dataset()))
                .setDeadlineUnixMillis(round.deadline().toEpochMilli())
                .setPrivacy(privacy(spec));
        var transfer = StudySpec.Transfer.of(spec.transfer());
        if (!(transfer instanceof org.cohort.protocol.transfer.TransferEncoding.Float32)) {
            // Absent means float32, so tasks of float32 studies stay byte for byte what they were.
            b.setTransfer(org.cohort.protocol.v1.TransferPlan.newBuilder()
                    .setEncoding(transfer.wire())
                    .setBlockSize(transfer.blockSize()));
        }
        return b.build();
    }

    /**
     * The study's terms as every site's admin pins them ({@code study.<id>.terms}) and every agent
     * recomputes them from each task: the privacy plan of all its tasks, fixed at creation.
     */
    public static StudyTerms terms(StudySpec spec) {
        return StudyTerms.of(privacy(spec), dataset(spec.dataset()));
    }

    /** The local training plan of a study's tasks, with {@code seed} and its strategy's proximal μ (FedProx). */
    public static TrainingPlan trainingPlan(StudySpec spec, long seed) {
        var plan = spec.plan();
        return TrainingPlan.newBuilder()
                .setLocalEpochs(plan.localEpochs())
                .setBatchSize(plan.batchSize())
                .setOptimizer(plan.optimizer())
                .setLearningRate(plan.learningRate())
                .setSeed(seed)
                .setProximalMu(proximalMu(spec))
                .setScaffold(controlVariates(spec))
                .addAllFrozenLayers(
                        spec.model() != null && spec.model().freezes()
                                ? spec.model().freeze()
                                : List.of())
                .build();
    }

    /** Whether sites keep SCAFFOLD's control variates (false for a strategy that does not exist, as for μ). */
    private static boolean controlVariates(StudySpec spec) {
        try {
            return Strategy.named(spec.strategy(), spec.strategyOptions()).controlVariates();
        } catch (IllegalArgumentException unknownStrategy) {
            return false;
        }
    }

    /** The μ sites add to their loss: FedProx's, else 0 (also for a strategy that does not exist, which fails the study first). */
    private static double proximalMu(StudySpec spec) {
        try {
            return Strategy.named(spec.strategy(), spec.strategyOptions()).proximalMu();
        } catch (IllegalArgumentException unknownStrategy) {
            return 0;
        }
    }

    /** The privacy plan every task of the study carries (before a site writes its declared size into it). */
    public static PrivacyPlan privacy(StudySpec spec) {
        boolean secure =
                spec.secureAggregation() != null && spec.secureAggregation().on();
        return privacy(spec.privacy(), spec.rounds()).toBuilder()
                .setSecureAggregation(secure)
                .setMaxSiteExamples(spec.siteExamplesLimit())
                .build();
    }

    private static PrivacyPlan privacy(StudySpec.Privacy p, int studyRounds) {
        if (p == null || !p.enabled()) {
            return PrivacyPlan.newBuilder()
                    .setMode(org.cohort.protocol.v1.PrivacyMode.PRIVACY_MODE_NONE)
                    .build();
        }
        return PrivacyPlan.newBuilder()
                .setMode(p.mode())
                .setClipNorm(p.clipNorm())
                .setNoiseMultiplier(p.noiseMultiplier())
                .setExpectedBatchSize(p.expectedBatchSize())
                .setDelta(p.delta())
                // 0 = no budget declared (proto3 has no null); sites then apply only their own ceiling.
                .setEpsilonBudget(p.epsilonBudget() == null ? 0 : p.epsilonBudget())
                .setAccountant(p.accountant())
                .setCalibrateAtSite(p.sitesCalibrate())
                .setStudyRounds(studyRounds)
                .setEvaluationNoiseMultiplier(p.evaluationNoise())
                .build();
    }

    /** The dataset every task of the study describes. */
    public static DatasetSpec dataset(StudySpec.Dataset d) {
        var b = DatasetSpec.newBuilder()
                .setFormat(d.format())
                .setTestFraction(d.testFraction())
                .setSplitSeed(d.splitSeed());
        if (!d.images()) {
            b.setLabelColumn(d.labelColumn()).setPositiveAbove(d.positiveAbove());
        }
        if (d.idColumn() != null) {
            b.setIdColumn(d.idColumn());
        }
        if (d.testIds() != null) {
            b.addAllTestIds(d.testIds());
        }
        if (d.survival()) {
            b.setTask(StudySpec.Dataset.SURVIVAL).setTimeColumn(d.timeColumn()).addAllCutPoints(d.cutPoints());
        }
        if (d.scoreBins() != null) {
            b.setScoreBins(d.scoreBins());
        }
        if (d.regression()) {
            b.setTask(StudySpec.Dataset.REGRESSION)
                    .setLabelMin(d.labelRange().get(0))
                    .setLabelMax(d.labelRange().get(1));
        }
        if (d.table() != null) {
            var t = d.table();
            var tb = org.cohort.protocol.v1.TableFormatSpec.newBuilder();
            if (t.delimiter() != null) {
                tb.setDelimiter(t.delimiter());
            }
            if (t.quote() != null) {
                if (t.quote().isEmpty()) {
                    tb.setNoQuote(true);
                } else {
                    tb.setQuote(t.quote());
                }
            }
            if (t.columns() != null) {
                tb.addAllColumns(t.columns());
            }
            if (t.missing() != null) {
                tb.addAllMissing(t.missing());
            }
            b.setTable(tb);
        }
        if (d.images()) {
            var i = d.image();
            // No label column or threshold: the class of an image is its folder.
            return b.setImage(org.cohort.protocol.v1.ImageFolderSpec.newBuilder()
                            .setHeight(i.height())
                            .setWidth(i.width())
                            .setChannels(i.channels())
                            .addAllClasses(i.classes())
                            .setResize(i.resize())
                            .addAllMean(i.mean())
                            .addAllStd(i.std())
                            .setPatientIdSeparator(i.patientIdSeparator() == null ? "" : i.patientIdSeparator()))
                    .build();
        }
        for (var f : d.features()) {
            var fb = FeatureColumnSpec.newBuilder().setName(f.name());
            if (f.categorical()) {
                fb.addAllLevels(f.levels());
            } else if (f.center() != null && f.scale() != null) {
                fb.setHasScaling(true).setCenter(f.center()).setScale(f.scale());
            }
            b.addFeatures(fb);
        }
        return b.build();
    }
}
