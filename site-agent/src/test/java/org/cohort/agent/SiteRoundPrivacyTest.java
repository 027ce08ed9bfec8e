package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.List;
import org.cohort.privacy.accounting.AccountantKind;
import org.cohort.privacy.accounting.PrivacyAccountant;
import org.cohort.privacy.accounting.Unit;
import org.cohort.protocol.v1.PrivacyPlan;
import org.cohort.protocol.v1.RoundTask;
import org.cohort.protocol.v1.TaskKind;
import org.cohort.protocol.v1.TrainingPlan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The site's own privacy decisions about a task, from its admin's configuration and its own ledger. */
class SiteRoundPrivacyTest {
    private static final PrivacyPlan PATIENT = TestPlans.patient(100);

    @TempDir
    Path work;

    private SiteRoundPrivacy privacy(Double patientCeiling) {
        var config = AgentConfig.builder("Hospital", work.resolve("data.csv"), work)
                .coordinators(List.of("localhost:1"))
                .patientEpsilonCeiling(patientCeiling)
                .build();
        LocalLearner learner = new LocalLearner() {
            @Override
            public Outcome run(RoundTask task, String modelConfigJson, float[] globalParameters) {
                throw new UnsupportedOperationException("not trained here");
            }

            @Override
            public int trainingRows(RoundTask task) {
                return 300;
            }
        };
        return new SiteRoundPrivacy(config, new SiteLedger(work), learner);
    }

    private static RoundTask task(PrivacyPlan dp) {
        return RoundTask.newBuilder()
                .setStudyId("st-1")
                .setRoundNumber(1)
                .setKind(TaskKind.TRAIN)
                .setPrivacy(dp)
                .setPlan(TrainingPlan.newBuilder()
                        .setLocalEpochs(1)
                        .setBatchSize(32)
                        .setOptimizer("sgd")
                        .setLearningRate(0.1))
                .build();
    }

    @Test
    void theSitesDeclaredSizeReplacesWhateverTheCoordinatorSent() {
        var fromCoordinator =
                task(PATIENT.toBuilder().setDeclaredTrainingExamples(7).build());
        RoundTask prepared = privacy(null).prepared(fromCoordinator, 225);
        assertThat(prepared.getPrivacy().getDeclaredTrainingExamples()).isEqualTo(225);
    }

    @Test
    void aCalibratingStudyGetsTheSitesOwnNoiseFromItsLedgerAndCeiling() {
        var calibrating = task(PATIENT.toBuilder()
                .setCalibrateAtSite(true)
                .setNoiseMultiplier(0.5)
                .build());
        RoundTask loose = privacy(null).prepared(calibrating, 300);
        RoundTask tight = privacy(1.0).prepared(calibrating, 300);
        assertThat(loose.getPrivacy().getCalibrateAtSite()).isFalse();
        // The admin's ceiling of 1 is far below the study's budget of 100: more noise.
        assertThat(tight.getPrivacy().getNoiseMultiplier())
                .isGreaterThan(loose.getPrivacy().getNoiseMultiplier());
    }

    @Test
    void aStudyGetsOneNoisedEvaluationFromASite() {
        var dp = PATIENT.toBuilder().setEvaluationNoiseMultiplier(8).build();
        var evaluation = task(dp).toBuilder()
                .setKind(TaskKind.EVALUATE)
                .setRoundNumber(6)
                .setRoundId("rd-6")
                .build();
        var privacy = privacy(null);
        assertThat(privacy.prepared(evaluation, 225).getPrivacy().getEvaluationNoiseMultiplier())
                .isEqualTo(8);
        new SiteLedger(work)
                .recordSent(
                        org.cohort.protocol.v1.UpdateManifest.newBuilder()
                                .setStudyId("st-1")
                                .setRoundId("rd-6")
                                .setRoundNumber(6)
                                .build(),
                        "evaluation",
                        HeldOutRelease.charge(8),
                        0.5,
                        1e-5);
        // Retried, re-sent after a restart, or asked for again: withheld.
        var again = evaluation.toBuilder().setRoundId("rd-7").build();
        assertThat(privacy.prepared(again, 225).getPrivacy().getEvaluationNoiseMultiplier())
                .isZero();
        assertThat(privacy.prepared(evaluation, 225).getPrivacy().getEvaluationNoiseMultiplier())
                .isZero();
    }

    @Test
    void theDeltaCheckUsesTheDeclaredSizeSoARefusalSaysNothingAboutTheRealCount() {
        // 1/δ = 500: a declared 400 passes, a declared 600 does not; the learner's real 300 plays no part.
        var loose = PATIENT.toBuilder().setDelta(0.002).build();
        PrivacyCharge planned = new PrivacyCharge(Unit.PATIENT, 0.1, 1.5, 10);
        var small = privacy(null).prepared(task(loose), 400);
        var large = privacy(null).prepared(task(loose), 600);
        assertThat(privacy(null).refusal(small, planned)).isEmpty();
        assertThat(privacy(null).refusal(large, planned))
                .hasValueSatisfying(why -> assertThat(why).doesNotContain("300"));
    }

    @Test
    void refusesAboveTheAdminsCeilingAndSaysSo() {
        PrivacyCharge expensive = new PrivacyCharge(Unit.PATIENT, 1.0, 0.3, 10);
        assertThat(privacy(1.0).refusal(task(PATIENT), expensive))
                .hasValueSatisfying(why -> assertThat(why).contains("ceiling"));
        assertThat(privacy(null).refusal(task(PATIENT), new PrivacyCharge(Unit.PATIENT, 0.1, 1.5, 10)))
                .isEmpty();
        assertThat(privacy(1.0).refusal(task(PATIENT), null))
                .as("a task that costs nothing")
                .isEmpty();
    }

    @Test
    void epsilonAfterComposesWithTheStudysAccountant() {
        PrivacyCharge charge = new PrivacyCharge(Unit.PATIENT, 0.1, 1.5, 10);
        double expected = PrivacyAccountant.create(AccountantKind.RDP)
                .composeAll(List.of(charge.event()))
                .epsilon(1e-5);
        assertThat(privacy(null).epsilonAfter(task(PATIENT), charge)).isCloseTo(expected, within(1e-12));
        assertThat(privacy(null).epsilonAfter(task(PATIENT), null)).isNull();
        assertThat(SiteRoundPrivacy.accountant(task(PATIENT.toBuilder()
                        .setAccountant(org.cohort.protocol.v1.Accountant.ACCOUNTANT_PLD)
                        .build())))
                .isEqualTo(AccountantKind.PLD);
    }
}
