package org.cohort.coordinator.aggregation;

import java.util.List;

/**
 * Robust aggregation: the next model comes from every update at once, not from their sum, so a
 * few hostile sites cannot drag it arbitrarily far — coordinate by coordinate ({@link CoordinateWise}:
 * median, trimmed mean; Yin et al. 2018) or by choosing whole updates ({@link Krum},
 * {@link MultiKrum}; Blanchard et al. 2017). The coordinator must hold every update, which rules
 * these strategies out where the updates are hidden or their influence is bounded another way
 * (refused at study creation): under secure aggregation the coordinator sees only the masked sum;
 * under site-level DP the noise is calibrated to one site's change of the sum, and a median, a
 * trimmed mean or a Krum choice is no sum. Patient-level DP composes: the sites' updates are
 * already private, and any function of them is post-processing.
 *
 * <p>Sites weigh the same (their declared sizes are ignored): a weight would let one site buy its
 * way past the trimming or the scoring. Memory is one chunk of every update at a time, read from
 * the files the replicas kept of each accepted upload, and the study's {@code strategyOptions.maxSites}
 * bounds how many updates a round holds.
 */
public sealed interface RobustStrategy extends Strategy permits CoordinateWise, Krum, MultiKrum {
    /** The robust strategies' names, as studies give them. */
    List<String> NAMES = List.of("median", "trimmed-mean", "krum", "multi-krum");

    /** The same chunk of every update the round holds, one row per update, in the same order on every call. */
    @FunctionalInterface
    interface Held {
        float[][] chunk(long offset, int count);
    }

    /** The next model's chunk from the same chunk of the global model and of every held update. */
    @FunctionalInterface
    interface Combine {
        float[] next(float[] global, float[][] updates);
    }

    /**
     * The round's aggregation of {@code updates} held updates of {@code numParameters} values each,
     * to be applied to each chunk in turn. A strategy that chooses among whole updates first reads
     * {@code held} chunk by chunk ({@code chunkValues} at a time) to score them.
     */
    Combine round(int updates, long numParameters, int chunkValues, Held held);

    /** Always refused: a robust strategy needs every update, not their sum. */
    @Override
    default Step step(long totalWeight, int contributions) {
        throw new IllegalStateException(name() + " aggregates the individual updates, not their sum");
    }

    /** The next model from a model and updates held whole in memory (one row per update). */
    default float[] next(float[] global, float[][] updates) {
        if (updates.length == 0) {
            throw new IllegalStateException("no update to aggregate");
        }
        Held held = (offset, count) -> {
            float[][] rows = new float[updates.length][];
            for (int u = 0; u < updates.length; u++) {
                rows[u] = java.util.Arrays.copyOfRange(updates[u], (int) offset, (int) offset + count);
            }
            return rows;
        };
        return round(updates.length, global.length, Math.max(1, global.length), held)
                .next(global, updates);
    }
}
