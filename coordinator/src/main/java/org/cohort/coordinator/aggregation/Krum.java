package org.cohort.coordinator.aggregation;

/**
 * Krum (Blanchard et al. 2017): the next model is the global one plus the single update with the
 * lowest {@linkplain KrumScores score}, the one closest to its n − f − 2 nearest neighbours. With at
 * most f hostile sites among n > 2f + 2 (checked at study creation from minSites), an update far
 * from every honest one is never chosen: the model moves by one honest site's update. See
 * {@link RobustStrategy} for what it composes with.
 *
 * @param f how many hostile sites the round tolerates, at least 0
 */
public record Krum(int f) implements RobustStrategy {
    public Krum {
        KrumScores.requireTolerated(f);
    }

    @Override
    public String name() {
        return "krum";
    }

    @Override
    public Combine round(int updates, long numParameters, int chunkValues, Held held) {
        return KrumScores.averaging(KrumScores.best(1, f, updates, numParameters, chunkValues, held));
    }
}
