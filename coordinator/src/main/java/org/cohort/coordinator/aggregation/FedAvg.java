package org.cohort.coordinator.aggregation;

/**
 * Federated averaging (McMahan et al. 2017): the new global model is the example-weighted
 * mean of the sites' local models, i.e. global + Σ nᵢ·Δᵢ / Σ nᵢ for deltas Δᵢ. A server
 * learning rate other than 1 scales the step (1 is plain FedAvg).
 */
public record FedAvg(double serverLearningRate) implements Strategy {

    public FedAvg {
        if (!(serverLearningRate > 0) || Double.isInfinite(serverLearningRate)) {
            throw new IllegalArgumentException("server learning rate must be a positive number");
        }
    }

    @Override
    public String name() {
        return "fedavg";
    }

    @Override
    public WeightedSum newAccumulator(int numParameters) {
        return new WeightedSum(numParameters);
    }

    @Override
    public Step step(long totalWeight, int contributions) {
        if (totalWeight <= 0) {
            throw new IllegalStateException("no contribution to average");
        }
        return (global, sum) -> {
            float[] next = new float[global.length];
            for (int i = 0; i < global.length; i++) {
                // Rounded as WeightedSum#mean rounds the mean, then stepped: the same value either way.
                float meanDelta = (float) (sum[i] / totalWeight);
                next[i] = (float) (global[i] + serverLearningRate * meanDelta);
            }
            return next;
        };
    }
}
