package org.cohort.coordinator.aggregation;

/**
 * A robust strategy that aggregates each coordinate on its own (Yin et al. 2018): the next value
 * of a parameter is the global one plus an aggregate of the sites' deltas for it. One chunk of
 * every update at a time is all it reads.
 */
public sealed interface CoordinateWise extends RobustStrategy permits CoordinateMedian, TrimmedMean {

    /** The aggregate of one coordinate's values, one per update (the array may be reordered). */
    double aggregate(float[] values);

    @Override
    default Combine round(int updates, long numParameters, int chunkValues, Held held) {
        return this::next;
    }

    /**
     * The next chunk of the model: global + the aggregate of each coordinate over {@code updates}
     * (one row per update, each the same chunk of its delta).
     */
    @Override
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
