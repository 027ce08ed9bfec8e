package org.cohort.coordinator.aggregation;

/**
 * FedBuff (Nguyen et al. 2022, "Federated learning with buffered asynchronous aggregation"): the
 * coordinator hands a training task to every site as soon as it is free, buffers the updates as
 * they arrive, and publishes a version as soon as K of them ({@link #bufferSize}) are in; a site
 * still training on an older version is not waited for, and its update goes into a later buffer,
 * weighed down by its staleness τ (how many versions were published since the one it trained from):
 *
 * <pre>  s(τ) = 1/√(1 + τ)   (the paper's polynomial staleness function with exponent ½)</pre>
 *
 * <p>The step is the paper's: Δ̄ = Σ nᵢ·s(τᵢ)·Δᵢ / Σ nᵢ, then w ← w + η·Δ̄ (with equal sizes nᵢ,
 * exactly (1/K)·Σ s(τᵢ)·Δᵢ). The staleness weights are deliberately <em>not</em> renormalised to sum
 * to one: a buffer of stale updates moves the model less than a buffer of fresh ones, which is the
 * point of down-weighting them, and it keeps every update's contribution at most what it would be
 * fresh, so one site's influence on the sum is still bounded by its clip norm under site-level DP.
 * The coordinator multiplies each update by s(τ) as it folds it into the buffer's sum; {@link #step}
 * is then FedAvg's. An update more than {@link #maxStaleness} versions behind is not used: its site
 * gets a fresh task instead.
 *
 * @param bufferSize         K, at least 1
 * @param maxStaleness       the largest τ an update may have, at least 0
 * @param serverLearningRate η (1)
 */
public record FedBuff(int bufferSize, int maxStaleness, double serverLearningRate) implements Strategy {
    public FedBuff {
        if (bufferSize < 1) {
            throw new IllegalArgumentException("fedbuff's bufferSize must be at least 1, got " + bufferSize);
        }
        if (maxStaleness < 0) {
            throw new IllegalArgumentException("fedbuff's maxStaleness must be at least 0, got " + maxStaleness);
        }
    }

    @Override
    public String name() {
        return "fedbuff";
    }

    /**
     * s(τ) = 1/√(1 + τ): the factor an update trained from a version τ versions older than the one
     * it is applied to is multiplied by (1 for a fresh update).
     */
    public static double staleness(long tau) {
        if (tau < 0) {
            throw new IllegalArgumentException("staleness must be at least 0, got " + tau
                    + " (an update cannot be trained from a version newer than the one it is applied to)");
        }
        return 1 / Math.sqrt(1 + (double) tau);
    }

    /** Whether an update trained from {@code base} may still be applied to version {@code current}. */
    public boolean usable(long current, long base) {
        return current >= base && current - base <= maxStaleness;
    }

    @Override
    public Step step(long totalWeight, int contributions) {
        return new FedAvg(serverLearningRate).step(totalWeight, contributions);
    }
}
