package org.cohort.learning.train;

import java.util.List;
import org.cohort.learning.model.FrozenLayers;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Frozen layers (transfer learning) in DL4J's own training loop: the frozen part of every gradient
 * is zeroed before the optimiser sees it, and the frozen parameters are put back to the values
 * training started from after every step.
 *
 * <p>Both, because either alone is not enough: zeroing keeps the optimiser's state (Adam's moments)
 * free of the frozen layers, so the trainable layers step exactly as if the frozen ones were
 * constants; restoring makes the frozen values bit-identical whatever an updater adds on its own
 * (weight decay, L2 applied inside DL4J's updater after the listeners ran).
 */
public final class FrozenGradients extends BaseTrainingListener {
    private final List<long[]> runs;
    private final INDArray[] start;

    /** For a network whose parameters are now the values the frozen layers keep. */
    public FrozenGradients(Model net, FrozenLayers frozen) {
        if (net.numParams() != frozen.total()) {
            throw new IllegalArgumentException("the frozen layers were resolved on a model of " + frozen.total()
                    + " parameters, the network has " + net.numParams());
        }
        this.runs = frozen.frozen();
        this.start = new INDArray[runs.size()];
        for (int i = 0; i < runs.size(); i++) {
            start[i] = view(net.params(), runs.get(i)).dup();
        }
    }

    @Override
    public void onGradientCalculation(Model model) {
        INDArray gradient = model.gradient().gradient();
        for (long[] run : runs) {
            view(gradient, run).assign(0);
        }
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        INDArray params = model.params();
        for (int i = 0; i < runs.size(); i++) {
            view(params, runs.get(i)).assign(start[i]);
        }
    }

    /** The run [from, to) of a flat vector DL4J keeps as [n] or [1, n]. */
    private static INDArray view(INDArray flat, long[] run) {
        return flat.rank() == 1
                ? flat.get(NDArrayIndex.interval(run[0], run[1]))
                : flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(run[0], run[1]));
    }
}
