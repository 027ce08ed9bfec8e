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
        return new Step() {
            @Override
            public float[] next(float[] global, double[] sum) {
                float[] next = new float[global.length];
                next(global, sum, global.length, next); // reads the sum only: no copy of a whole model's sum
                return next;
            }

            @Override
            public void next(float[] global, double[] sum, int count, float[] out) {
                for (int i = 0; i < count; i++) {
                    // Rounded as WeightedSum#mean rounds the mean, then stepped: the same value either way.
                    float meanDelta = (float) (sum[i] / totalWeight);
                    out[i] = (float) (global[i] + serverLearningRate * meanDelta);
                }
            }
        };
    }
}
