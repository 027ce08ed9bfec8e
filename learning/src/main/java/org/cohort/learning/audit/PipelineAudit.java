package org.cohort.learning.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.LongFunction;
import org.cohort.learning.data.CsvTableLoader;
import org.cohort.learning.data.HeartDisease;
import org.cohort.learning.data.LoadedTable;
import org.cohort.learning.data.NeighbourAudit;
import org.cohort.learning.data.PreprocessingPolicy;
import org.cohort.learning.data.SitePipeline;
import org.cohort.learning.data.SplitData;
import org.cohort.learning.data.SplitKey;
import org.cohort.learning.data.SplitRule;
import org.cohort.learning.data.TabularDataset;
import org.cohort.learning.data.TabularSchema;
import org.cohort.learning.dp.CanaryAudit;
import org.cohort.learning.dp.DpSgdPlan;
import org.cohort.learning.dp.NoiseSource;
import org.cohort.learning.model.ModelPreset;
import org.cohort.learning.model.ModelSpec;
import org.cohort.learning.model.Optimizer;
import org.cohort.learning.model.TrainingPlan;
import org.cohort.privacy.accounting.AccountantKind;
import org.cohort.privacy.accounting.Conversion;
import org.cohort.privacy.accounting.NoiseCalibration;
import org.cohort.privacy.accounting.PrivacyEvent;
import org.cohort.privacy.accounting.RdpAccountant;
import org.cohort.privacy.accounting.Unit;

/**
 * The privacy audit of one site's pipeline on its real table: the neighbouring-table audit of the
 * split and preprocessing ({@link NeighbourAudit}), then two empirical lower bounds on ε set
 * against the ε the site's accountant claims for exactly that run: the one-run canary audit
 * ({@link CanaryAudit}) of DP-SGD over the study's rounds, which sees sampling, clipping and
 * noise, and the multi-run distinguisher of the whole pipeline on neighbouring tables
 * ({@link NeighbourDistinguisher}), which also sees a split or preprocessing that depends on
 * other rows. The verdict's L is the larger of the two.
 */
public final class PipelineAudit {

    /** The confidence of the verdict's L, shared between the two audits that may give it. */
    static final double CONFIDENCE = 0.95;

    /** The least calibration runs per world that fix the distinguisher's test; 1 in 10 runs above that. */
    static final int MIN_CALIBRATION_RUNS = 4;

    private PipelineAudit() {}

    /**
     * The study terms the audit runs at, as a site would accept them. The noise multiplier is
     * calibrated, as the demo's sites do, so that the whole study ends at {@code targetEpsilon}.
     *
     * @param latticeMargin σ is calibrated this much high, because the lattice noise is accounted
     *     with a hair less than σ (as the demo does)
     */
    public record Study(
            TabularSchema schema,
            ModelPreset model,
            long modelSeed,
            TrainingPlan plan,
            double clipNorm,
            int expectedBatchSize,
            int epochsPerRound,
            int rounds,
            double targetEpsilon,
            double delta,
            double testFraction,
            long splitSalt,
            double latticeMargin) {
        public Study {
            Objects.requireNonNull(schema, "schema");
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(plan, "plan");
        }

        /**
         * The demo's patient-level study on Heart Disease (simulation's DemoPlan, DemoPrivacy and
         * DemoData): logistic regression, SGD at learning rate 0.2, expected batch 32, one local
         * epoch per round, 10 rounds, C = 1, each site's σ calibrated to ε ≤ 1 at δ = 1e-5 (RDP,
         * improved conversion), keyed split with a quarter held out.
         */
        public static Study heartDiseaseDemo() {
            return new Study(
                    HeartDisease.schema(),
                    ModelPreset.logisticRegression(),
                    42,
                    new TrainingPlan(1, 32, Optimizer.SGD, 0.2, 7),
                    1.0,
                    32,
                    1,
                    10,
                    1.0,
                    1e-5,
                    0.25,
                    20261125L,
                    1.005);
        }

        /** The same study with another ε budget, to which σ is calibrated. */
        public Study withTargetEpsilon(double epsilon) {
            return new Study(
                    schema,
                    model,
                    modelSeed,
                    plan,
                    clipNorm,
                    expectedBatchSize,
                    epochsPerRound,
                    rounds,
                    epsilon,
                    delta,
                    testFraction,
                    splitSalt,
                    latticeMargin);
        }

        /** The same study with another number of rounds (fewer: a faster audit, a smaller claim). */
        public Study withRounds(int newRounds) {
            return new Study(
                    schema,
                    model,
                    modelSeed,
                    plan,
                    clipNorm,
                    expectedBatchSize,
                    epochsPerRound,
                    newRounds,
                    targetEpsilon,
                    delta,
                    testFraction,
                    splitSalt,
                    latticeMargin);
        }
    }

    /**
     * What the audit found.
     *
     * @param rows the site's table; {@code trainRows} of them trained on (the declared training size)
     * @param neighbours the neighbouring-table audit of the split and preprocessing
     * @param claimedEpsilon E, the site accountant's ε for the run
     * @param canaries the canary audit, with its lower bound
     * @param distinguisher the neighbouring-table distinguisher, with its lower bound; null when not run
     * @param confidence of L, the larger of the two bounds: each audit ran at half the error, so
     *     that both hold together (Bonferroni)
     */
    public record Report(
            String site,
            BrokenPipeline broken,
            int rows,
            int trainRows,
            NeighbourAudit.Result neighbours,
            double noiseMultiplier,
            DpSgdPlan dp,
            int rounds,
            double claimedEpsilon,
            double delta,
            CanaryAudit.Result canaries,
            NeighbourDistinguisher.Result distinguisher,
            double confidence,
            Duration elapsed) {

        /** L: the larger of the canary audit's and the distinguisher's lower bounds. */
        public double epsilonLowerBound() {
            return distinguisherGivesL() ? distinguisher.epsilonLowerBound() : canaries.epsilonLowerBound();
        }

        /** Which audit gave L. */
        public String lowerBoundSource() {
            return distinguisherGivesL() ? "the neighbouring-table distinguisher" : "the canary audit";
        }

        private boolean distinguisherGivesL() {
            return distinguisher != null && distinguisher.epsilonLowerBound() > canaries.epsilonLowerBound();
        }

        /** True when L exceeds the claim: the claim is false (at {@code confidence}). */
        public boolean epsilonViolated() {
            return epsilonLowerBound() > claimedEpsilon;
        }

        /** True when nothing was found: the split and preprocessing pass and L ≤ E. */
        public boolean passes() {
            return neighbours.passes() && !epsilonViolated();
        }

        /** The line the issue asks for. */
        public String verdictLine() {
            return String.format(
                    Locale.ROOT,
                    "empirical ε lower bound L (%s) vs claimed ε E: L = %.3f vs E = %.3f" + " (L from %s)%s",
                    percent(confidence),
                    epsilonLowerBound(),
                    claimedEpsilon,
                    lowerBoundSource(),
                    epsilonViolated() ? "  — VIOLATION: L > E, the claim is false" : "  — no violation (L ≤ E)");
        }

        /** The whole report, every ε with its unit, adjacency, δ, accountant and inputs. */
        public List<String> lines() {
            var out = new ArrayList<String>();
            out.add(String.format(
                    Locale.ROOT,
                    "Privacy audit of site %s: %d rows, %d in training after the split",
                    site,
                    rows,
                    trainRows));
            out.add("  pipeline broken on purpose: " + broken.description());
            out.add("  split and preprocessing (neighbouring tables): " + (neighbours.passes() ? "PASS" : "FAIL")
                    + " — " + neighbours);
            long steps = dp.steps() * rounds;
            out.add(String.format(
                    Locale.ROOT,
                    "  claimed: ε E = %.3f, patient-level (one row is one patient: Heart"
                            + " Disease has one row per patient), add/remove-one-row adjacency, δ = %s, RDP accountant"
                            + " (improved conversion), for the sampled Gaussian mechanism with q = %.4f (expected batch %d /"
                            + " %d training rows declared), σ = %.4f (accounted %.4f for the lattice noise), C = %s,"
                            + " %d steps (%d rounds × %d)",
                    claimedEpsilon,
                    deltaText(delta),
                    dp.samplingRate(),
                    Math.round(dp.samplingRate() * trainRows),
                    trainRows,
                    noiseMultiplier,
                    canaries.accountedNoiseMultiplier(),
                    plain(dp.clipNorm()),
                    steps,
                    rounds,
                    dp.steps()));
            var o = canaries.outcome();
            out.add(String.format(
                    Locale.ROOT,
                    "  canaries: %d gradient canaries (norm C, in the output layer's"
                            + " directions no row moves), each included with probability 1/2 (%d were); released: the model"
                            + " after %d rounds; %d guesses (threshold %.2f samplings), %d correct, %d abstentions",
                    o.canaries(),
                    canaries.included(),
                    rounds,
                    o.guesses(),
                    canaries.threshold(),
                    o.correct(),
                    o.canaries() - o.guesses()));
            out.add(String.format(
                    Locale.ROOT,
                    "  mean score (times sampled + noise/C): included %.2f, excluded %.2f;" + " noise: %s",
                    canaries.meanScoreIncluded(),
                    canaries.meanScoreExcluded(),
                    canaries.noise()));
            out.add(String.format(
                    Locale.ROOT,
                    "  canary L = %.3f: Steinke, Nasr and Jagielski (2023) Theorem 3.3 at"
                            + " δ = %s, %s confidence; it bounds the same mechanism as E (patient-level, add/remove one row)",
                    canaries.epsilonLowerBound(),
                    deltaText(delta),
                    percent(canaries.confidence())));
            if (distinguisher != null) {
                out.add("  neighbouring-table distinguisher (whole pipeline, released model): " + distinguisher);
                out.add(String.format(
                        Locale.ROOT,
                        "  distinguisher L: Jagielski, Ullman and Oprea (2020), ε ≥"
                                + " ln((1 − δ − FNR)/FPR) and with FPR and FNR swapped, at δ = %s, each rate at its"
                                + " Clopper–Pearson upper bound, %s confidence in all",
                        deltaText(delta),
                        percent(distinguisher.confidence())));
            }
            out.add("  " + verdictLine());
            out.add(String.format(
                    Locale.ROOT,
                    "  verdict: %s (%.1f s)",
                    passes()
                            ? "PASS"
                            : "FAIL: "
                                    + (neighbours.passes()
                                            ? ""
                                            : "the split or preprocessing depends on other rows, so"
                                                    + " no per-row ε covers it" + (epsilonViolated() ? "; " : ""))
                                    + (epsilonViolated()
                                            ? lowerBoundSource() + " shows more leakage than the accountant" + " claims"
                                            : ""),
                    elapsed.toMillis() / 1000.0));
            return out;
        }
    }

    /**
     * Audits Heart Disease centre {@code centre} from {@code dataDirectory} under {@code study}.
     *
     * @param broken NONE for the site's real pipeline, else the bug to introduce
     * @param distinguisherRuns the distinguisher's counted runs per world (0: not run); it also
     *     makes one calibration run in ten, at least {@value #MIN_CALIBRATION_RUNS}
     */
    public static Report heartDisease(
            Path dataDirectory,
            String centre,
            Study study,
            BrokenPipeline broken,
            int canariesPerRun,
            int runs,
            double abstainFraction,
            int distinguisherRuns,
            long seed)
            throws IOException {
        if (distinguisherRuns < 0) {
            throw new IllegalArgumentException("distinguisherRuns must be at least 0, was " + distinguisherRuns);
        }
        long started = System.nanoTime();
        Path file = HeartDisease.file(dataDirectory, centre);
        TabularSchema schema =
                broken == BrokenPipeline.SCALING ? BrokenPipeline.standardisedFromData(study.schema()) : study.schema();
        LoadedTable table = CsvTableLoader.loadHeaderless(file, HeartDisease.FILE_COLUMNS, schema);
        SplitRule rule = new SplitRule.Keyed(auditSplitKey(seed), study.testFraction(), study.splitSalt());
        SitePipeline pipeline = switch (broken) {
            case SPLIT -> new BrokenPipeline.SeededShuffle(study.testFraction(), study.splitSalt());
            case SCALING -> SitePipeline.of(schema, rule, PreprocessingPolicy.DATA_STATISTICS_ALLOWED);
            case NONE, NOISE -> SitePipeline.of(schema, rule, PreprocessingPolicy.DECLARED_ONLY);
        };
        NeighbourAudit.Result neighbours = NeighbourAudit.removeEachRow(table.dataset(), table.rowKeys(), pipeline);
        SplitData prepared = pipeline.prepare(table.dataset(), table.rowKeys());
        int trainRows = prepared.train().size();

        double sigma = study.latticeMargin()
                * NoiseCalibration.noiseMultiplier(
                        z -> List.of(event(study, z, trainRows)),
                        study.targetEpsilon(),
                        study.delta(),
                        AccountantKind.RDP);
        DpSgdPlan dp = DpSgdPlan.ofEpochs(
                sigma, study.clipNorm(), study.expectedBatchSize(), trainRows, study.epochsPerRound());
        String config = study.model()
                .configJson(
                        schema.numEncodedFeatures(),
                        schema.numClasses(),
                        study.plan().withSeed(study.modelSeed()));
        LongFunction<NoiseSource> noise = broken == BrokenPipeline.NOISE
                ? s -> scaled(CanaryAudit.seededLatticeNoise(s), BrokenPipeline.NOISE_FACTOR)
                : CanaryAudit::seededLatticeNoise;
        // Both worlds train as the site declared: the same model, plan, σ, q and steps.
        Function<TabularDataset, CanaryAudit.Target> training = train -> new CanaryAudit.Target(
                train, () -> new ModelSpec(config).newNetwork(), study.plan(), dp, study.rounds(), noise);
        // Two bounds, and L is the larger: each at half the error, so that L holds at CONFIDENCE.
        double each = distinguisherRuns == 0 ? CONFIDENCE : 1 - (1 - CONFIDENCE) / 2;
        CanaryAudit.Result canaries = CanaryAudit.run(
                training.apply(prepared.train()),
                new CanaryAudit.Settings(canariesPerRun, runs, abstainFraction, study.delta(), each, seed));
        NeighbourDistinguisher.Result distinguisher = null;
        if (distinguisherRuns > 0) {
            var neighbour =
                    NeighbourDistinguisher.worstNeighbour(table.dataset(), table.rowKeys(), pipeline, neighbours);
            distinguisher = NeighbourDistinguisher.run(
                    pipeline,
                    table.dataset(),
                    table.rowKeys(),
                    neighbour,
                    training,
                    new NeighbourDistinguisher.Settings(
                            Math.max(MIN_CALIBRATION_RUNS, distinguisherRuns / 10),
                            distinguisherRuns,
                            study.delta(),
                            each,
                            seed));
        }

        // The claim is the accountant's for the σ it is told was used (accounted for the lattice).
        double claimed = RdpAccountant.withDefaultOrders()
                .compose(new PrivacyEvent.SampledGaussian(
                        dp.samplingRate(), canaries.accountedNoiseMultiplier(), dp.steps() * study.rounds()))
                .report(study.delta(), Unit.PATIENT, Conversion.RDP_IMPROVED)
                .epsilon();
        return new Report(
                centre,
                broken,
                table.dataset().size(),
                trainRows,
                neighbours,
                sigma,
                dp,
                study.rounds(),
                claimed,
                study.delta(),
                canaries,
                distinguisher,
                CONFIDENCE,
                Duration.ofNanos(System.nanoTime() - started));
    }

    /** The largest number of canaries one run can hold for {@code study}'s model. */
    public static int maxCanariesPerRun(Study study) {
        String config = study.model()
                .configJson(study.schema().numEncodedFeatures(), study.schema().numClasses(), study.plan());
        return CanaryAudit.maxCanariesPerRun(new ModelSpec(config).newNetwork());
    }

    private static PrivacyEvent event(Study study, double sigma, int trainRows) {
        DpSgdPlan perRound = DpSgdPlan.ofEpochs(
                sigma, study.clipNorm(), study.expectedBatchSize(), trainRows, study.epochsPerRound());
        return new PrivacyEvent.SampledGaussian(perRound.samplingRate(), sigma, perRound.steps() * study.rounds());
    }

    private static NoiseSource scaled(NoiseSource inner, double factor) {
        return new NoiseSource() {
            @Override
            public void addGaussian(float[] target, double sigma) {
                inner.addGaussian(target, sigma * factor);
            }

            @Override
            public double accountedSensitivity(double l2Sensitivity, long dimension) {
                return inner.accountedSensitivity(l2Sensitivity, dimension);
            }

            @Override
            public String describe() {
                return inner.describe() + ", BROKEN: σ × " + factor;
            }
        };
    }

    /**
     * The audited site's split secret, derived from the audit's seed so that a rerun splits the
     * same way. A real site's secret stays with its agent; any secret gives a data-independent split.
     */
    static SplitKey auditSplitKey(long seed) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update("cohort.audit.split".getBytes(StandardCharsets.US_ASCII));
            return SplitKey.of(
                    sha.digest(ByteBuffer.allocate(Long.BYTES).putLong(seed).array()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK, which every Java SE must provide", e);
        }
    }

    private static String deltaText(double d) {
        return String.format(Locale.ROOT, "%.0e", d).replace("e-0", "e-");
    }

    /** 0.95 as 95%, 0.975 as 97.5%. */
    private static String percent(double confidence) {
        double p = Math.round(1000 * confidence) / 10.0;
        return (p == Math.rint(p) ? String.valueOf((long) p) : String.format(Locale.ROOT, "%.1f", p)) + "%";
    }

    private static String plain(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
