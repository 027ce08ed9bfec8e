package org.cohort.learning.train;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * SCAFFOLD's drift correction (Karimireddy et al. 2020) in DL4J's own training loop: after each
 * gradient is computed and before the optimiser uses it, c − c_i is added, so every step follows
 * g − c_i + c. As for {@link ProximalTerm}, DL4J's gradient at that point is the batch's sum, which
 * its updater divides by the batch size: the correction is scaled by the batch size to match.
 */
final class ControlVariateTerm extends BaseTrainingListener {
    private final INDArray correction;

    private ControlVariateTerm(float[] correction) {
        this.correction = Nd4j.createFromArray(correction);
    }

    /** The term for {@code correction} (null: none), checked against the network's size. */
    static ControlVariateTerm of(long numParams, float[] correction) {
        if (correction == null) {
            return null;
        }
        if (correction.length != numParams) {
            throw new IllegalArgumentException("SCAFFOLD's correction has " + correction.length
                    + " values but the network has " + numParams + " parameters");
        }
        return new ControlVariateTerm(correction);
    }

    @Override
    public void onGradientCalculation(Model model) {
        INDArray gradient = model.gradient().gradient();
        double perBatch = model.conf().isMiniBatch() ? Math.max(1, model.batchSize()) : 1;
        gradient.addi(correction.mul(perBatch).castTo(gradient.dataType()).reshape(gradient.shape()));
    }
}
