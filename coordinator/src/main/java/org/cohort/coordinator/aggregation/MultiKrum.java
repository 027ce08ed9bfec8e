package org.cohort.coordinator.aggregation;

/**
 * Multi-Krum (Blanchard et al. 2017): the next model is the global one plus the equal-weight mean
 * of the m updates with the lowest {@linkplain KrumScores Krum scores}, trading some of Krum's
 * robustness for the variance reduction of averaging. m ≤ n − f, so an update far from every honest
 * one (scored last) is never among them. See {@link RobustStrategy} for what it composes with.
 *
 * @param f how many hostile sites the round tolerates, at least 0
 * @param m how many updates are averaged, at least 1; null: n − f of the n each round holds
 */
public record MultiKrum(int f, Integer m) implements RobustStrategy {
    public MultiKrum {
        KrumScores.requireTolerated(f);
        if (m != null && m < 1) {
            throw new IllegalArgumentException("multi-krum's m must be at least 1, got " + m);
        }
    }

    @Override
    public String name() {
        return "multi-krum";
    }

    @Override
    public Combine round(int updates, long numParameters, int chunkValues, Held held) {
        int count = m == null ? updates - f : m;
        return KrumScores.averaging(KrumScores.best(count, f, updates, numParameters, chunkValues, held));
    }
}
