package org.cohort.coordinator.aggregation;

/**
 * FedAdagrad (Reddi et al. 2021): v ← v + Δ², so the step of a coordinate shrinks with every
 * update it has had. Defaults (Flower's): η = 0.1, β₁ = 0 (no momentum), τ = 1e-9; β₂ is unused.
 * See {@link ServerOptimizer} for the step, its state and privacy.
 */
public final class FedAdagrad extends ServerOptimizer {
    public FedAdagrad(Settings settings) {
        this(settings, null);
    }

    private FedAdagrad(Settings settings, DpFedAvg noise) {
        super(settings, noise);
    }

    @Override
    public String name() {
        return "fedadagrad";
    }

    @Override
    double secondMoment(double v, double squaredDelta) {
        return v + squaredDelta;
    }

    @Override
    ServerOptimizer afterNoise(DpFedAvg noised) {
        return new FedAdagrad(settings(), noised);
    }
}
