package org.cohort.coordinator.aggregation;

/**
 * FedYogi (Reddi et al. 2021): v ← v − (1 − β₂)·Δ²·sign(v − Δ²), which grows v no faster than
 * additively and so adapts more gently than Adam where updates shrink. Defaults (Flower's):
 * η = 0.01, β₁ = 0.9, β₂ = 0.99, τ = 1e-3. See {@link ServerOptimizer} for the step, its state
 * and privacy.
 */
public final class FedYogi extends ServerOptimizer {
    public FedYogi(Settings settings) {
        this(settings, null);
    }

    private FedYogi(Settings settings, DpFedAvg noise) {
        super(settings, noise);
    }

    @Override
    public String name() {
        return "fedyogi";
    }

    @Override
    double secondMoment(double v, double squaredDelta) {
        return v - (1 - settings().beta2()) * squaredDelta * Math.signum(v - squaredDelta);
    }

    @Override
    ServerOptimizer afterNoise(DpFedAvg noised) {
        return new FedYogi(settings(), noised);
    }
}
