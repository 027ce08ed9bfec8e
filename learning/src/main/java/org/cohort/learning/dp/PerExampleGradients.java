package org.cohort.learning.dp;

import java.util.Optional;
import org.cohort.learning.data.TabularDataset;
import org.cohort.learning.model.FrozenLayers;
import org.cohort.learning.model.Network;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * Computes the sum of per-example gradients, each clipped to an L2 bound, for one batch: the
 * data-dependent part of a DP-SGD step. Gradients are of each example's own loss (not divided by
 * the batch size), laid out as the network's flat parameter vector ({@code ParameterVectors}).
 */
sealed interface PerExampleGradients permits SmallDenseGradients, VectorisedGradients, ConvGradients, LoopedGradients {

    /**
     * A batched engine when every layer of {@code net} is supported (on Java arrays when the
     * network is small for this batch size, ND4J otherwise), else the looping one, which says so in
     * {@link #vectorised()} and {@link #slowPathReason()}.
     */
    static PerExampleGradients forNetwork(MultiLayerNetwork net, double expectedBatchSize) {
        return forNetwork(Network.of(net), expectedBatchSize);
    }

    /**
     * As above; a ComputationGraph takes the batched {@link ConvGradients} when its vertices are
     * convolution, pooling, dense and output layers, residual additions and merges, else the loop.
     */
    static PerExampleGradients forNetwork(Network network, double expectedBatchSize) {
        return forNetwork(network, expectedBatchSize, null);
    }

    /**
     * As above with {@code frozen} layers (null: none), whose parameters are left out of every
     * per-example gradient: out of the norm that is clipped and out of the sum (zeros there). The
     * dense engines skip those layers; any other network with frozen layers takes the loop, which zeroes
     * them in each example's gradient.
     */
    static PerExampleGradients forNetwork(Network network, double expectedBatchSize, FrozenLayers frozen) {
        if (frozen != null) {
            Optional<String> notDense = network.multiLayer().isEmpty()
                    ? Optional.of("the network is a ComputationGraph")
                    : VectorisedGradients.unsupportedReason(network.multiLayer().get());
            if (notDense.isPresent()) {
                return new LoopedGradients(
                        network,
                        "layers are frozen and only the dense engines can leave a layer out (" + notDense.get() + ")",
                        frozen);
            }
        }
        if (network.multiLayer().isEmpty()) {
            // A graph of convolution, pooling, dense and output layers, residual additions, merges.
            Optional<String> notSupported = ConvGradients.unsupportedReason(network, expectedBatchSize);
            return notSupported.isEmpty()
                    ? new ConvGradients(network)
                    : new LoopedGradients(network, "the ComputationGraph's " + notSupported.get());
        }
        MultiLayerNetwork net = network.multiLayer().get();
        Optional<String> unsupported = VectorisedGradients.unsupportedReason(net);
        if (unsupported.isPresent()) {
            // A CNN of convolution, pooling, dense and output layers: one batched pass too.
            Optional<String> notConvolutional = ConvGradients.unsupportedReason(network, expectedBatchSize);
            return notConvolutional.isEmpty()
                    ? new ConvGradients(net)
                    : new LoopedGradients(network, unsupported.get() + "; " + notConvolutional.get());
        }
        return SmallDenseGradients.supports(net) && SmallDenseGradients.isFasterFor(net, expectedBatchSize)
                ? new SmallDenseGradients(net, frozen)
                : new VectorisedGradients(net, frozen);
    }

    /**
     * Σ_b c_b·g_b with c_b = min(1, C/‖g_b‖) (a hair below where clipping applies, so that float
     * rounding cannot push a contribution above C).
     *
     * @param batch the sampled rows; may be empty
     */
    ClippedSum clippedSum(TabularDataset batch, double clipNorm);

    /** Every example's unclipped gradient, materialised: for tests that check the fast path. */
    float[][] perExample(TabularDataset batch);

    /** Whether per-example gradients come from one batched forward and backward pass. */
    boolean vectorised();

    /** Why the slow path is used, or the empty string on the fast path. */
    String slowPathReason();

    /**
     * Scales factor c_b = min(1, C/‖g_b‖) shrunk by 2^-16 where it clips, so the clipped norm
     * stays at most C despite the float rounding in ‖g_b‖ and in the scaling (the privacy
     * guarantee is computed for exactly C). A non-finite norm would make the bound meaningless.
     */
    static double clipFactor(double norm, double clipNorm, int example) {
        if (!Double.isFinite(norm)) {
            throw new IllegalStateException("the gradient of batch example " + example + " has norm " + norm
                    + "; the model diverged (lower the learning rate or the clipping norm)");
        }
        double safeBound = clipNorm * (1 - 0x1p-16);
        return norm <= safeBound ? 1.0 : safeBound / norm;
    }

    /**
     * One batch's clipped gradient sum.
     *
     * @param sum Σ_b c_b·g_b in the flat parameter layout
     * @param lossSum Σ_b of each example's loss before the step (nats)
     * @param norms ‖g_b‖ before clipping, per example
     */
    record ClippedSum(float[] sum, double lossSum, double[] norms) {
        int size() {
            return norms.length;
        }
    }
}
