package org.cohort.coordinator.aggregation;

import java.util.Arrays;

/**
 * Coordinate-wise median of the updates (Yin et al. 2018): each parameter moves by the median of
 * the sites' deltas for it (the mean of the middle two for an even count). Fewer than half the
 * sites, however hostile, cannot move a coordinate outside the range of the honest sites' values.
 * See {@link RobustStrategy} for what it composes with.
 */
public record CoordinateMedian() implements CoordinateWise {
    @Override
    public String name() {
        return "median";
    }

    @Override
    public double aggregate(float[] values) {
        Arrays.sort(values);
        int n = values.length;
        return n % 2 == 1 ? values[n / 2] : ((double) values[n / 2 - 1] + values[n / 2]) / 2;
    }
}
