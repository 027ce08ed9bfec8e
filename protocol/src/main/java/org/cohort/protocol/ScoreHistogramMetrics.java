package org.cohort.protocol;

/**
 * Binary classification metrics from a {@link ScoreHistogram} alone: pure post-processing, so under
 * DP they cost nothing beyond the histogram's release. Noised counts below 0 are taken as 0 first
 * (clamping is post-processing too). Every figure treats the scores as quantised to their bins: rows
 * in one bin are tied. Undefined figures (no positives, no negatives, no rows) are NaN.
 *
 * @param auroc area under the ROC curve, trapezoidal over the bin edges as thresholds: equal to the
 *     Mann–Whitney statistic with pairs in one bin counted half, the exact AUROC of the binned scores
 * @param auprc average precision: Σ over bins, from the highest down, of (recall gained) × precision
 *     at that bin's lower edge as threshold (the step-wise area, not the optimistic trapezoid)
 * @param calibrationError expected calibration error: Σ_b (n_b / n)·|observed rate of class 1 in b −
 *     mean predicted probability in b|, where only counts travel, so the bin's midpoint stands for its
 *     mean prediction (error up to half a bin's width, 1/(2·bins), against per-row means)
 * @param accuracy rows with score ≥ 0.5 that are class 1 plus rows below 0.5 that are class 0, over all
 * @param examples the (clamped) number of rows the figures are over
 */
public record ScoreHistogramMetrics(
        double auroc, double auprc, double calibrationError, double accuracy, long examples) {

    /** The metrics of {@code histogram}. */
    public static ScoreHistogramMetrics of(ScoreHistogram histogram) {
        int bins = histogram.bins();
        long[] negatives = new long[bins];
        long[] positives = new long[bins];
        for (int b = 0; b < bins; b++) {
            negatives[b] = Math.max(0, histogram.count(0, b));
            positives[b] = Math.max(0, histogram.count(1, b));
        }
        long n = sum(negatives);
        long p = sum(positives);
        return new ScoreHistogramMetrics(
                auroc(negatives, positives, n, p),
                auprc(negatives, positives, p),
                calibrationError(negatives, positives, n + p),
                accuracy(negatives, positives, n + p),
                n + p);
    }

    private static double auroc(long[] negatives, long[] positives, long n, long p) {
        if (n == 0 || p == 0) {
            return Double.NaN;
        }
        // Pairs (positive, negative) where the positive scores higher, plus half the pairs in one bin.
        double wins = 0;
        long positivesAbove = 0;
        for (int b = negatives.length - 1; b >= 0; b--) {
            wins += negatives[b] * (positivesAbove + 0.5 * positives[b]);
            positivesAbove += positives[b];
        }
        return wins / ((double) n * p);
    }

    private static double auprc(long[] negatives, long[] positives, long p) {
        if (p == 0) {
            return Double.NaN;
        }
        double area = 0;
        long truePositives = 0;
        long flagged = 0;
        for (int b = negatives.length - 1; b >= 0; b--) {
            truePositives += positives[b];
            flagged += positives[b] + negatives[b];
            if (positives[b] > 0) {
                area += (double) positives[b] / p * ((double) truePositives / flagged);
            }
        }
        return area;
    }

    private static double calibrationError(long[] negatives, long[] positives, long total) {
        if (total == 0) {
            return Double.NaN;
        }
        int bins = negatives.length;
        double error = 0;
        for (int b = 0; b < bins; b++) {
            long inBin = negatives[b] + positives[b];
            if (inBin > 0) {
                double midpoint = (b + 0.5) / bins;
                error += (double) inBin / total * Math.abs((double) positives[b] / inBin - midpoint);
            }
        }
        return error;
    }

    private static double accuracy(long[] negatives, long[] positives, long total) {
        if (total == 0) {
            return Double.NaN;
        }
        // 0.5 is the edge between the two halves (the bin count is even).
        int half = negatives.length / 2;
        long correct = 0;
        for (int b = 0; b < negatives.length; b++) {
            correct += b < half ? negatives[b] : positives[b];
        }
        return (double) correct / total;
    }

    private static long sum(long[] values) {
        long total = 0;
        for (long v : values) {
            total = Math.addExact(total, v);
        }
        return total;
    }
}
