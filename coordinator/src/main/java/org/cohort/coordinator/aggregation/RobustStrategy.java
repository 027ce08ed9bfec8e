package org.cohort.coordinator.aggregation;

/**
 * Robust aggregation (Yin et al. 2018, "Byzantine-robust distributed learning"): the next model
 * comes from every update at once, coordinate by coordinate, not from their sum, so a few hostile
 * sites cannot drag it arbitrarily far. The coordinator must hold every update, which rules these
 * strategies out where the updates are hidden or their influence is bounded another way (refused
 * at study creation): under secure aggregation the coordinator sees only the masked sum; under
 * site-level DP the noise is calibrated to one site's change of the sum, and a median or trimmed
 * mean is no sum. Patient-level DP composes: the sites' updates are already private, and any
 * function of them is post-processing.
 *
 * <p>Sites weigh the same (their declared sizes are ignored): a weight would let one site buy its
 * way past the trimming. Memory is one chunk of every update at a time, read from the files the
 * replicas kept of each accepted upload, and the study's {@code strategyOptions.maxSites} bounds
 * how many updates a round holds.
 */
public sealed interface RobustStrategy extends Strategy permits CoordinateMedian, TrimmedMean {

    /** The aggregate of one coordinate's values, one per update (the array may be reordered). */
    double aggregate(float[] values);

    /** Always refused: a robust strategy needs every update, not their sum. */
    @Override
    default Step step(long totalWeight, int contributions) {
        throw new IllegalStateException(name() + " aggregates the individual updates, not their sum");
    }

    /**
     * The next chunk of the model: global + the aggregate of each coordinate over {@code updates}
     * (one row per update, each the same chunk of its delta).
     */
    default float[] next(float[] global, float[][] updates) {
        if (updates.length == 0) {
            throw new IllegalStateException("no update to aggregate");
        }
        float[] next = new float[global.length];
        float[] column = new float[updates.length];
        for (int i = 0; i < global.length; i++) {
            for (int u = 0; u < updates.length; u++) {
                column[u] = updates[u][i];
            }
            next[i] = (float) (global[i] + aggregate(column));
        }
        return next;
    }
}
