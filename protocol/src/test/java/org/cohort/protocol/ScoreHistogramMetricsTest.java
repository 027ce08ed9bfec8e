package org.cohort.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ScoreHistogramMetricsTest {

    /** A histogram of {@code bins} bins from the rows' true classes and scores. */
    private static ScoreHistogram histogram(int bins, int[] labels, double[] scores) {
        var counts = new ArrayList<Long>(Collections.nCopies(2 * bins, 0L));
        for (int i = 0; i < labels.length; i++) {
            int cell = labels[i] * bins + ScoreHistogram.bin(scores[i], bins);
            counts.set(cell, counts.get(cell) + 1);
        }
        return new ScoreHistogram(counts, bins, 0);
    }

    @Test
    void aStudysDeclaredBinsAreCheckedBeforeAnythingIsSizedByThem() {
        assertThat(ScoreHistogram.binsOf(0)).isEqualTo(ScoreHistogram.BINS);
        assertThat(ScoreHistogram.binsOf(4)).isEqualTo(4);
        // A hostile coordinator's 2^29 bins would make a site allocate 8 GiB.
        for (int bad : new int[] {1, 3, -2, ScoreHistogram.MAX_STUDY_BINS + 2, 1 << 29}) {
            assertThatThrownBy(() -> ScoreHistogram.binsOf(bad))
                    .as("%d bins", bad)
                    .hasMessageContaining("even number of bins from 2 to " + ScoreHistogram.MAX_STUDY_BINS);
        }
    }

    @Test
    void aHandExampleGivesTheFiguresWorkedOutOnPaper() {
        // 4 bins. Class 0: one row in bin 0, one in bin 2. Class 1: one in bin 2, two in bin 3.
        var h = new ScoreHistogram(List.of(1L, 0L, 1L, 0L, 0L, 0L, 1L, 2L), 4, 0);
        var m = ScoreHistogramMetrics.of(h);
        // Pairs (pos, neg), 3 × 2 = 6: bin-3 positives beat both negatives (4), the bin-2 positive
        // beats the bin-0 negative (1) and ties the bin-2 one (0.5): 5.5 / 6.
        assertThat(m.auroc()).isCloseTo(5.5 / 6, within(1e-12));
        // From the top: bin 3 adds recall 2/3 at precision 2/2; bin 2 adds 1/3 at precision 3/4.
        assertThat(m.auprc()).isCloseTo(2.0 / 3 + 1.0 / 3 * 0.75, within(1e-12));
        // Bin 0: 1 row, rate 0 vs midpoint 0.125; bin 2: 2 rows, rate 0.5 vs 0.625; bin 3: 2 rows, 1 vs 0.875.
        assertThat(m.calibrationError()).isCloseTo((0.125 + 2 * 0.125 + 2 * 0.125) / 5, within(1e-12));
        // Below 0.5 (bins 0-1): the class-0 row in bin 0 is right; at or above: 3 positives right, 1 negative wrong.
        assertThat(m.accuracy()).isCloseTo(4.0 / 5, within(1e-12));
        assertThat(m.examples()).isEqualTo(5);
    }

    @Test
    void aurocEqualsTheBruteForcePairwiseStatisticOfScoresQuantisedToBins() {
        var random = new Random(7);
        for (int trial = 0; trial < 20; trial++) {
            int rows = 1 + random.nextInt(200);
            int bins = 2 * (1 + random.nextInt(15));
            int[] labels = new int[rows];
            double[] scores = new double[rows];
            for (int i = 0; i < rows; i++) {
                labels[i] = random.nextInt(2);
                // Informative but noisy scores, so AUROC is neither 0.5 nor 1.
                scores[i] = Math.min(1, Math.max(0, 0.3 + 0.3 * labels[i] + 0.25 * random.nextGaussian()));
            }
            double expected = bruteForceAuroc(labels, scores, bins);
            var m = ScoreHistogramMetrics.of(histogram(bins, labels, scores));
            if (Double.isNaN(expected)) {
                assertThat(m.auroc()).isNaN();
            } else {
                assertThat(m.auroc()).isCloseTo(expected, within(1e-12));
            }
            assertThat(m.auprc()).isCloseTo(bruteForceAveragePrecision(labels, scores, bins), within(1e-12));
        }
    }

    private static double bruteForceAuroc(int[] labels, double[] scores, int bins) {
        double wins = 0;
        long pairs = 0;
        for (int i = 0; i < labels.length; i++) {
            for (int j = 0; j < labels.length; j++) {
                if (labels[i] == 1 && labels[j] == 0) {
                    int bi = ScoreHistogram.bin(scores[i], bins);
                    int bj = ScoreHistogram.bin(scores[j], bins);
                    wins += bi > bj ? 1 : bi == bj ? 0.5 : 0;
                    pairs++;
                }
            }
        }
        return pairs == 0 ? Double.NaN : wins / pairs;
    }

    /** Σ over distinct thresholds of (recall − previous recall) × precision, each threshold counted over all rows. */
    private static double bruteForceAveragePrecision(int[] labels, double[] scores, int bins) {
        long positives = java.util.Arrays.stream(labels).filter(l -> l == 1).count();
        if (positives == 0) {
            return Double.NaN;
        }
        double ap = 0;
        double previousRecall = 0;
        for (int threshold = bins - 1; threshold >= 0; threshold--) {
            long tp = 0;
            long flagged = 0;
            for (int i = 0; i < labels.length; i++) {
                if (ScoreHistogram.bin(scores[i], bins) >= threshold) {
                    flagged++;
                    tp += labels[i];
                }
            }
            double recall = (double) tp / positives;
            if (recall > previousRecall) {
                ap += (recall - previousRecall) * tp / flagged;
            }
            previousRecall = recall;
        }
        return ap;
    }

    @Test
    void aPerfectRankingScoresOneAndAReversedOneZero() {
        var perfect = histogram(4, new int[] {0, 0, 1, 1}, new double[] {0.1, 0.2, 0.8, 0.9});
        assertThat(ScoreHistogramMetrics.of(perfect).auroc()).isEqualTo(1.0);
        assertThat(ScoreHistogramMetrics.of(perfect).auprc()).isEqualTo(1.0);
        assertThat(ScoreHistogramMetrics.of(perfect).accuracy()).isEqualTo(1.0);
        var reversed = histogram(4, new int[] {1, 1, 0, 0}, new double[] {0.1, 0.2, 0.8, 0.9});
        assertThat(ScoreHistogramMetrics.of(reversed).auroc()).isEqualTo(0.0);
        assertThat(ScoreHistogramMetrics.of(reversed).accuracy()).isEqualTo(0.0);
    }

    @Test
    void aPerfectlyCalibratedHistogramHasNoCalibrationErrorAtTheMidpoints() {
        // 2 bins, midpoints 0.25 and 0.75: 1 in 4 positive below 0.5, 3 in 4 above.
        var h = new ScoreHistogram(List.of(3L, 1L, 1L, 3L), 2, 0);
        assertThat(ScoreHistogramMetrics.of(h).calibrationError()).isCloseTo(0.0, within(1e-12));
    }

    @Test
    void noisedNegativeCountsAreTakenAsZero() {
        var noised = new ScoreHistogram(List.of(-3L, 2L, 1L, -1L), 2, 2.0);
        var clamped = new ScoreHistogram(List.of(0L, 2L, 1L, 0L), 2, 0);
        assertThat(ScoreHistogramMetrics.of(noised)).isEqualTo(ScoreHistogramMetrics.of(clamped));
    }

    @Test
    void withoutOneOfTheClassesTheRankingFiguresAreUndefined() {
        var onlyNegatives = new ScoreHistogram(List.of(2L, 1L, 0L, 0L), 2, 0);
        var m = ScoreHistogramMetrics.of(onlyNegatives);
        assertThat(m.auroc()).isNaN();
        assertThat(m.auprc()).isNaN();
        assertThat(m.accuracy()).isCloseTo(2.0 / 3, within(1e-12));
        assertThat(ScoreHistogramMetrics.of(ScoreHistogram.empty()).calibrationError())
                .isNaN();
    }

    @Test
    void poolingSumsTheCellsAndAddsTheNoiseInVariance() {
        var a = new ScoreHistogram(List.of(1L, 2L, 3L, 4L), 2, 3.0);
        var b = new ScoreHistogram(List.of(10L, 20L, 30L, -4L), 2, 4.0);
        var pooled = ScoreHistogram.sum(List.of(a, b));
        assertThat(pooled.counts()).containsExactly(11L, 22L, 33L, 0L);
        assertThat(pooled.noise()).isCloseTo(5.0, within(1e-12));
        assertThatThrownBy(() -> ScoreHistogram.sum(List.of(a, ScoreHistogram.empty())))
                .hasMessageContaining("share their binning");
    }

    @Test
    void malformedHistogramsAreRefusedWithTheReason() {
        assertThatThrownBy(() -> new ScoreHistogram(List.of(1L, 2L, 3L), 2, 0)).hasMessageContaining("2·bins counts");
        assertThatThrownBy(() -> new ScoreHistogram(List.of(1L, 2L, 3L, 4L, 5L, 6L), 3, 0))
                .hasMessageContaining("even number of bins");
        assertThatThrownBy(() -> new ScoreHistogram(List.of(-1L, 2L, 3L, 4L), 2, 0))
                .hasMessageContaining("no negative count");
        assertThatThrownBy(() -> new ScoreHistogram(List.of(1L, 2L, 3L, 4L), 2, Double.NaN))
                .hasMessageContaining("noise");
        assertThatThrownBy(() -> ScoreHistogram.bin(1.5, 20)).hasMessageContaining("[0, 1]");
        assertThat(ScoreHistogram.bin(1.0, 20)).isEqualTo(19);
        assertThat(ScoreHistogram.bin(0.5, 20)).isEqualTo(10);
    }
}
