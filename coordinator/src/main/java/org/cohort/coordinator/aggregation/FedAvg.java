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
    public float[] nextGlobal(float[] global, WeightedSum aggregate) {
        if (global.length != aggregate.numParameters()) {
            throw new IllegalArgumentException("aggregate has " + aggregate.numParameters()
                    + " parameters but the global model has " + global.length);
        }
        float[] meanDelta = aggregate.mean();
        float[] next = new float[global.length];
        for (int i = 0; i < global.length; i++) {
            next[i] = (float) (global[i] + serverLearningRate * meanDelta[i]);
        }
        return next;
    }
}
