package org.cohort.coordinator.aggregation;

/**
 * FedAdam (Reddi et al. 2021): v ← β₂·v + (1 − β₂)·Δ². Defaults (Flower's): η = 0.1, β₁ = 0.9,
 * β₂ = 0.99, τ = 1e-9. See {@link ServerOptimizer} for the step, its state and privacy.
 */
public final class FedAdam extends ServerOptimizer {
    public FedAdam(Settings settings) {
        this(settings, null);
    }

    private FedAdam(Settings settings, DpFedAvg noise) {
        super(settings, noise);
    }

    @Override
    public String name() {
        return "fedadam";
    }

    @Override
    double secondMoment(double v, double squaredDelta) {
        double beta2 = settings().beta2();
        return beta2 * v + (1 - beta2) * squaredDelta;
    }

    @Override
    ServerOptimizer afterNoise(DpFedAvg noised) {
        return new FedAdam(settings(), noised);
    }
}
