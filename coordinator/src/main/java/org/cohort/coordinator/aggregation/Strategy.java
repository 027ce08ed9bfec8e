package org.cohort.coordinator.aggregation;

/**
 * How a round's reports become the next global model (Flower's strategy idea): sites send
 * deltas (local − global); the strategy accumulates them as they stream in and turns the
 * aggregate into the next global parameters. Adding a strategy touches one class.
 */
public interface Strategy {
    /** The strategies a study may name; a study naming another is refused at creation. */
    java.util.List<String> NAMES = java.util.List.of("fedavg");

    /** Name used in study specifications, e.g. "fedavg". */
    String name();

    /** A fresh accumulator for one round. */
    WeightedSum newAccumulator(int numParameters);

    /** Applies the round's aggregate to the current global parameters; returns new parameters. */
    default float[] nextGlobal(float[] global, WeightedSum aggregate) {
        if (global.length != aggregate.numParameters()) {
            throw new IllegalArgumentException("aggregate has " + aggregate.numParameters()
                    + " parameters but the global model has " + global.length);
        }
        return step(aggregate.totalWeight(), aggregate.contributions()).next(global, aggregate.sum());
    }

    /**
     * The round's step for a sum of {@code contributions} updates of total weight
     * {@code totalWeight}, applied chunk by chunk (so neither the sum nor the model need fit in
     * the heap); one instance per round, applied to each chunk once, in order.
     */
    Step step(long totalWeight, int contributions);

    /** Next global parameters for one chunk, from the same chunk of the global model and of the sum Σ wᵢ·Δᵢ. */
    @FunctionalInterface
    interface Step {
        float[] next(float[] global, double[] sum);
    }

    /** The strategy a study runs: its named one, or DP-FedAvg when the study asks for site-level DP. */
    static Strategy forStudy(org.cohort.coordinator.study.StudySpec spec) {
        var dp = spec.privacy();
        if (dp != null && dp.siteLevel()) {
            return new DpFedAvg(dp.clipNorm(), dp.noiseMultiplier());
        }
        return named(spec.strategy());
    }

    /**
     * The strategy of a securely aggregated round: the study's named one, except that under
     * site-level DP the sites already noised the sum inside the ring, so it is averaged without
     * adding noise again (DP-FedAvg's noise is in the sum, its clipping at the sites).
     */
    static Strategy forSecureRound(org.cohort.coordinator.study.StudySpec spec) {
        var dp = spec.privacy();
        return dp != null && dp.siteLevel() ? new FedAvg(1.0) : named(spec.strategy());
    }

    static Strategy named(String name) {
        return switch (name == null ? "fedavg" : name.toLowerCase(java.util.Locale.ROOT)) {
            case "fedavg" -> new FedAvg(1.0);
            default -> throw new IllegalArgumentException("unknown strategy '" + name + "'; available: " + NAMES);
        };
    }
}
