package org.cohort.learning.audit;

import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.cohort.learning.data.NeighbourAudit;
import org.cohort.learning.data.RowKeys;
import org.cohort.learning.data.SitePipeline;
import org.cohort.learning.data.SplitData;
import org.cohort.learning.data.TabularDataset;
import org.cohort.learning.dp.CanaryAudit;
import org.cohort.learning.dp.NoiseSource;
import org.cohort.privacy.audit.HypothesisTestAudit;

/**
 * The multi-run neighbouring-table audit of a site's whole pipeline (Jagielski, Ullman and Oprea
 * 2020, "Auditing Differentially Private Machine Learning"): the site's table D and a neighbour D'
 * (one row removed or added) each go through the split, the preprocessing and every round of
 * DP-SGD many times, and a test fixed in advance tries to tell from the released model alone
 * which table it came from. Its error rates bound ε from below ({@link HypothesisTestAudit}).
 *
 * <p>Why it exists next to the canary audit: canaries enter after the split and preprocessing,
 * so they cannot see a split or a scaling that depends on other rows. There, one row of D
 * changes many rows of the training set (a seeded shuffle re-deals every row of its class; fitted
 * statistics rescale every row's features), DP-SGD's per-row bound does not cover the change, and
 * the released models of D and D' can differ by more than the noise hides. This audit turns that
 * into an ε lower bound that can be set against the claim, where {@link NeighbourAudit} only counts
 * the rows that change.
 *
 * <p>The test is fixed from runs that are not counted: K noise-free runs per world give the
 * direction (the difference of the two worlds' mean models), K noisy runs per world place the
 * threshold on the projection onto it, and a fresh run is called D' when its projection lies past
 * the threshold. N further runs per world count its false positives and false negatives. Every
 * run draws its own Poisson sampling and lattice noise from a seed, so the audit reruns exactly.
 * The split and the preprocessing are deterministic functions of the table (the keyed split's
 * secret and the shuffle's seed are fixed at a site), so each world's training set is computed
 * once; both worlds train with the DP-SGD plan (σ, q, steps) the site declared for D.
 */
public final class NeighbourDistinguisher {

    /**
     * How far outside its column the crafted outlier lies: this many times the column's largest
     * absolute value, enough to dominate any mean and deviation fitted on a few hundred rows.
     */
    static final double OUTLIER_FACTOR = 20;

    /** Candidate thresholds: this many steps each side of the midpoint, out to {@link #THRESHOLD_RANGE} deviations. */
    private static final int THRESHOLD_STEPS = 40;

    private static final double THRESHOLD_RANGE = 4;

    private NeighbourDistinguisher() {}

    /**
     * How to audit.
     *
     * @param calibrationRuns K: noise-free runs and noisy runs per world that fix the test, not counted
     * @param testRuns N: runs per world whose errors are counted
     * @param delta δ of the claim being tested
     * @param confidence of the bound, e.g. 0.95 (each error rate's bound at half the error)
     * @param seed fixes every run's sampling and noise
     */
    public record Settings(int calibrationRuns, int testRuns, double delta, double confidence, long seed) {
        public Settings {
            if (calibrationRuns < 1 || testRuns < 1) {
                throw new IllegalArgumentException("need at least one calibration run and one test run per world, got "
                        + calibrationRuns + " and " + testRuns);
            }
        }
    }

    /**
     * D', the table the test tells from D, chosen before any run.
     *
     * @param description what was removed or added, for the report
     */
    public record Neighbour(TabularDataset data, RowKeys keys, String description) {
        public Neighbour {
            Objects.requireNonNull(data, "data");
            Objects.requireNonNull(keys, "keys");
        }
    }

    /**
     * The audit's outcome.
     *
     * @param falsePositives runs on D that the test called D'
     * @param falseNegatives runs on D' that the test called D
     * @param epsilonLowerBound L at {@code confidence}
     * @param separation mean projection of D' runs minus that of D runs, over their pooled standard
     *     deviation (read after counting, a diagnostic: about 0 when DP hides the neighbour)
     */
    public record Result(
            String neighbour,
            int calibrationRuns,
            int testRuns,
            int falsePositives,
            int falseNegatives,
            double epsilonLowerBound,
            double confidence,
            double delta,
            double separation) {

        @Override
        public String toString() {
            return String.format(
                    Locale.ROOT,
                    "D' = D %s; %d calibration runs and %d test runs per world, the test"
                            + " called %d of the D runs D' (FPR %.2f) and %d of the D' runs D (FNR %.2f); separation %.1f"
                            + " standard deviations; L = %.3f",
                    neighbour,
                    calibrationRuns,
                    testRuns,
                    falsePositives,
                    (double) falsePositives / testRuns,
                    falseNegatives,
                    (double) falseNegatives / testRuns,
                    separation,
                    epsilonLowerBound);
        }
    }

    /**
     * The neighbour that hurts the pipeline most, decided from the neighbouring-table audit before
     * any run. Where removing a row moved others between train and test (a split that depends on
     * other rows), D' is D without the row that moved the most: a seeded shuffle re-deals that
     * row's whole class, so the two training sets differ by dozens of rows (122 of Cleveland's 303
     * change side). Otherwise D' is D plus an outlier
     * that lands in training ({@link #withOutlier}): removing an ordinary row shifts statistics
     * fitted on the rows by about 1/n of a deviation, which the noise hides, while one far outlier
     * drags the mean and inflates the deviation so that every other row's scaled features collapse
     * towards a constant and training learns nothing from them.
     *
     * <p>Measured on Cleveland at the demo's settings (10 rounds, ε = 1, σ ≈ 5), as the distance
     * between the two tables' mean released models in standard deviations of the test statistic:
     * seeded-shuffle split, 2.2 without the worst row against 1.1 with the outlier; scaling from
     * the site's statistics, 5 with the outlier against about 0 without any one row. On the sound
     * pipeline both are about 0, as DP-SGD promises for any neighbour.
     */
    public static Neighbour worstNeighbour(
            TabularDataset data, RowKeys keys, SitePipeline pipeline, NeighbourAudit.Result audit) {
        if (audit.maxRowsMoved() > 0 && audit.worstRemovedRow() >= 0) {
            return withoutRow(data, keys, audit.worstRemovedRow());
        }
        return withOutlier(data, keys, pipeline);
    }

    /** D without row {@code row}. */
    public static Neighbour withoutRow(TabularDataset data, RowKeys keys, int row) {
        int[] kept = IntStream.range(0, data.size()).filter(i -> i != row).toArray();
        return new Neighbour(data.select(kept), keys.without(row), "without row " + row);
    }

    /**
     * D plus one crafted row: a copy of a real row with every continuous column (one with any
     * value other than 0 and 1) set to {@value #OUTLIER_FACTOR} times that column's largest
     * absolute value, so that one-hot and 0/1 columns and the label stay valid. The first real row
     * whose copy the pipeline puts in training is used: a test row would never reach DP-SGD.
     */
    public static Neighbour withOutlier(TabularDataset data, RowKeys keys, SitePipeline pipeline) {
        if (data.size() == 0) {
            throw new IllegalArgumentException("an empty table has no columns to place an outlier outside");
        }
        int width = data.numFeatures();
        float[] far = new float[width];
        boolean[] continuous = new boolean[width];
        for (float[] row : data.features()) {
            for (int j = 0; j < width; j++) {
                continuous[j] |= row[j] != 0 && row[j] != 1;
                far[j] = Math.max(far[j], Math.abs(row[j]));
            }
        }
        for (int template = 0; template < data.size(); template++) {
            float[] outlier = data.features()[template].clone();
            for (int j = 0; j < width; j++) {
                if (continuous[j]) {
                    outlier[j] = (float) (OUTLIER_FACTOR * far[j]);
                }
            }
            float[][] rows = Arrays.copyOf(data.features(), data.size() + 1);
            rows[data.size()] = outlier;
            int[] labels = Arrays.copyOf(data.labels(), data.size() + 1);
            labels[data.size()] = data.labels()[template];
            var neighbour = new TabularDataset(rows, labels, data.numClasses());
            RowKeys longer = keys.withAppended("cohort-audit-outlier-" + template);
            if (inTraining(pipeline.split(neighbour, longer), outlier)) {
                return new Neighbour(
                        neighbour,
                        longer,
                        String.format(
                                Locale.ROOT,
                                "plus one outlier (row %d with its"
                                        + " continuous columns at %.0f× their largest value)",
                                template,
                                OUTLIER_FACTOR));
            }
        }
        throw new IllegalStateException(
                "the pipeline put every candidate outlier in the test part; no added row" + " reaches training");
    }

    /**
     * Runs the audit: both worlds through {@code pipeline}, then 2K + N trainings each.
     *
     * @param training how the site trains on a prepared training set (the study's model, optimiser,
     *     rounds, DP-SGD plan and noise; the same for both worlds, as the site declared them)
     */
    public static Result run(
            SitePipeline pipeline,
            TabularDataset data,
            RowKeys keys,
            Neighbour neighbour,
            Function<TabularDataset, CanaryAudit.Target> training,
            Settings settings) {
        CanaryAudit.Target d = training.apply(pipeline.prepare(data, keys).train());
        CanaryAudit.Target dPrime = training.apply(
                pipeline.prepare(neighbour.data(), neighbour.keys()).train());
        SplittableRandom seeds = new SplittableRandom(settings.seed());

        // The direction: where training without noise goes in D' minus where it goes in D. Rows
        // cannot move some directions at all (CanaryAudit's), which hold only noise: a direction
        // from noisy runs would weigh them in, one from noise-free runs leaves them out.
        double[] meanD = meanRelease(silenced(d), settings.calibrationRuns(), seeds);
        double[] meanDPrime = meanRelease(silenced(dPrime), settings.calibrationRuns(), seeds);
        double[] direction = new double[meanD.length];
        for (int i = 0; i < direction.length; i++) {
            direction[i] = meanDPrime[i] - meanD[i];
        }
        double threshold = threshold(
                scores(d, direction, settings.calibrationRuns(), seeds),
                scores(dPrime, direction, settings.calibrationRuns(), seeds),
                settings);

        double[] scoresD = scores(d, direction, settings.testRuns(), seeds);
        double[] scoresDPrime = scores(dPrime, direction, settings.testRuns(), seeds);
        int falsePositives =
                (int) Arrays.stream(scoresD).filter(s -> s > threshold).count();
        int falseNegatives =
                (int) Arrays.stream(scoresDPrime).filter(s -> s <= threshold).count();
        var outcome = new HypothesisTestAudit.Outcome(
                settings.testRuns(), falsePositives, settings.testRuns(), falseNegatives);
        return new Result(
                neighbour.description(),
                settings.calibrationRuns(),
                settings.testRuns(),
                falsePositives,
                falseNegatives,
                HypothesisTestAudit.epsilonLowerBound(outcome, settings.delta(), settings.confidence()),
                settings.confidence(),
                settings.delta(),
                separation(scoresD, scoresDPrime));
    }

    private static boolean inTraining(SplitData split, float[] row) {
        var train = new IdentityHashMap<float[], Boolean>();
        for (float[] r : split.train().features()) {
            train.put(r, Boolean.TRUE);
        }
        return train.containsKey(row);
    }

    private static double[] meanRelease(CanaryAudit.Target target, int runs, SplittableRandom seeds) {
        double[] mean = null;
        for (int run = 0; run < runs; run++) {
            float[] released = CanaryAudit.release(target, seeds.nextLong());
            if (mean == null) {
                mean = new double[released.length];
            }
            for (int i = 0; i < released.length; i++) {
                mean[i] += released[i] / (double) runs;
            }
        }
        return mean;
    }

    private static double[] scores(CanaryAudit.Target target, double[] direction, int runs, SplittableRandom seeds) {
        double[] scores = new double[runs];
        for (int run = 0; run < runs; run++) {
            float[] released = CanaryAudit.release(target, seeds.nextLong());
            double s = 0;
            for (int i = 0; i < released.length; i++) {
                s += released[i] * direction[i];
            }
            scores[run] = s;
        }
        return scores;
    }

    /**
     * The threshold the noisy calibration runs predict gives the largest bound: their scores
     * fitted by one normal per world (common deviation), each candidate threshold's error rates
     * read off the fit, and the bound that N runs with those rates would give. Not the midpoint:
     * the bound rewards a rare false positive more than it punishes a common false negative.
     */
    static double threshold(double[] calibrationD, double[] calibrationDPrime, Settings settings) {
        double meanD = Arrays.stream(calibrationD).average().orElseThrow();
        double meanDPrime = Arrays.stream(calibrationDPrime).average().orElseThrow();
        double deviation = pooledDeviation(calibrationD, calibrationDPrime);
        double midpoint = (meanD + meanDPrime) / 2;
        if (!(deviation > 0)) {
            return midpoint;
        }
        var normal = new NormalDistribution(null, 0, 1);
        int n = settings.testRuns();
        double best = midpoint;
        double bestBound = 0; // the midpoint stays unless some threshold predicts a bound at all
        for (int step = -THRESHOLD_STEPS; step <= THRESHOLD_STEPS; step++) {
            double t = midpoint + deviation * THRESHOLD_RANGE * step / THRESHOLD_STEPS;
            int falsePositives = (int) Math.round(n * normal.cumulativeProbability((meanD - t) / deviation));
            int falseNegatives = (int) Math.round(n * normal.cumulativeProbability((t - meanDPrime) / deviation));
            double bound = HypothesisTestAudit.epsilonLowerBound(
                    new HypothesisTestAudit.Outcome(n, falsePositives, n, falseNegatives),
                    settings.delta(),
                    settings.confidence());
            if (bound > bestBound) {
                best = t;
                bestBound = bound;
            }
        }
        return best;
    }

    /** The same training without noise: where each world's model goes, for the test's direction only. */
    private static CanaryAudit.Target silenced(CanaryAudit.Target target) {
        NoiseSource none = new NoiseSource() {
            @Override
            public void addGaussian(float[] values, double sigma) {
                // the direction is fixed from noise-free runs; every counted run is noised
            }

            @Override
            public String describe() {
                return "none (the distinguisher's direction only)";
            }
        };
        return new CanaryAudit.Target(
                target.train(), target.network(), target.plan(), target.dp(), target.rounds(), seed -> none);
    }

    private static double separation(double[] a, double[] b) {
        double meanA = Arrays.stream(a).average().orElse(0);
        double meanB = Arrays.stream(b).average().orElse(0);
        double pooled = pooledDeviation(a, b);
        return pooled > 0 ? (meanB - meanA) / pooled : (meanB == meanA ? 0 : Double.POSITIVE_INFINITY);
    }

    private static double pooledDeviation(double[] a, double[] b) {
        double meanA = Arrays.stream(a).average().orElse(0);
        double meanB = Arrays.stream(b).average().orElse(0);
        double squares = 0;
        for (double x : a) {
            squares += (x - meanA) * (x - meanA);
        }
        for (double x : b) {
            squares += (x - meanB) * (x - meanB);
        }
        return Math.sqrt(squares / Math.max(1, a.length + b.length - 2));
    }
}
