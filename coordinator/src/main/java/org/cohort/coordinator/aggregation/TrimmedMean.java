package org.cohort.coordinator.aggregation;

import java.util.Arrays;

/**
 * Coordinate-wise trimmed mean (Yin et al. 2018): for each parameter, the ⌊β·n⌋ largest and
 * smallest of the n sites' deltas are dropped and the rest averaged. With at most ⌊β·n⌋ hostile
 * sites every value kept lies within the honest sites' range. See {@link RobustStrategy} for what
 * it composes with.
 *
 * @param trimFraction β, the share cut at each end, in [0, 0.5)
 */
public record TrimmedMean(double trimFraction) implements CoordinateWise {
    public TrimmedMean {
        if (!(trimFraction >= 0 && trimFraction < 0.5)) {
            throw new IllegalArgumentException("the trim fraction must be in [0, 0.5), got " + trimFraction);
        }
    }

    @Override
    public String name() {
        return "trimmed-mean";
    }

    /** How many values are cut at each end of n. */
    public int trimmed(int n) {
        return (int) Math.floor(trimFraction * n);
    }

    @Override
    public double aggregate(float[] values) {
        Arrays.sort(values);
        int cut = trimmed(values.length);
        double sum = 0;
        for (int i = cut; i < values.length - cut; i++) {
            sum += values[i];
        }
        return sum / (values.length - 2 * cut);
    }
}
