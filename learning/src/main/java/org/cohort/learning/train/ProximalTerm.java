package org.cohort.learning.train;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * FedProx's proximal term (Li et al. 2020) in DL4J's own training loop: after each gradient is
 * computed and before the optimiser uses it, μ·(w − w_global) is added — the gradient of
 * μ/2·‖w − w_global‖², with w_global the parameters training started from. DL4J's gradient at that
 * point is the batch's sum, which its updater then divides by the batch size; the term is
 * scaled by the batch size to match, so that every step sees mean loss gradient + μ·(w − w_global).
 */
final class ProximalTerm extends BaseTrainingListener {
    private final INDArray global;
    private final double mu;

    /** The term for a network whose parameters are now the global model's. */
    ProximalTerm(Model net, double mu) {
        this.global = net.params().dup();
        this.mu = mu;
    }

    @Override
    public void onGradientCalculation(Model model) {
        INDArray gradient = model.gradient().gradient();
        double perBatch = model.conf().isMiniBatch() ? Math.max(1, model.batchSize()) : 1;
        INDArray pull = model.params().sub(global).muli(mu * perBatch);
        gradient.addi(pull.reshape(gradient.shape()));
    }
}
