package org.cohort.coordinator.aggregation;

/**
 * FedProx (Li et al. 2020, "Federated optimization in heterogeneous networks"): each site
 * minimises its loss plus μ/2·‖w − w_global‖², which keeps its local model near the global one
 * when the sites' data differ, and the coordinator averages as {@link FedAvg} does. μ travels to
 * the sites in every task's training plan; the agent adds μ·(w − w_global) to each step's gradient
 * (after clipping and noise under patient-level DP: the term depends on no patient's data, so it
 * costs no privacy). The aggregation being FedAvg's, FedProx composes with site-level DP
 * (DP-FedAvg noises the sum) and with secure aggregation exactly as FedAvg does.
 *
 * @param mu                 μ, finite and at least 0 (0 is FedAvg)
 * @param serverLearningRate FedAvg's server step (1)
 */
public record FedProx(double mu, double serverLearningRate) implements Strategy {
    public FedProx {
        if (!(mu >= 0) || Double.isInfinite(mu)) {
            throw new IllegalArgumentException("fedprox's mu must be a finite number of at least 0, got " + mu);
        }
    }

    @Override
    public String name() {
        return "fedprox";
    }

    @Override
    public double proximalMu() {
        return mu;
    }

    @Override
    public Step step(long totalWeight, int contributions) {
        return new FedAvg(serverLearningRate).step(totalWeight, contributions);
    }
}
