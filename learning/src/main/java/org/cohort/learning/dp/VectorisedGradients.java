package org.cohort.learning.dp;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.cohort.learning.data.TabularDataset;
import org.cohort.learning.model.FrozenLayers;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationELU;
import org.nd4j.linalg.activations.impl.ActivationHardTanH;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftPlus;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * Per-example gradients of a stack of dense layers under a softmax cross-entropy output, from one
 * batched forward and backward pass of ND4J operations (Goodfellow 2015; Opacus' "grad sample" for
 * linear layers). {@link SmallDenseGradients} runs the same algorithm on Java arrays for small networks.
 *
 * <p>For a dense layer with input rows A (B×in) and back-propagated errors δ = ∂loss_b/∂z (B×out),
 * example b's gradient is A[b]ᵀδ[b] for W and δ[b] for the bias. Its squared norm is therefore
 * ‖A[b]‖²‖δ[b]‖² + ‖δ[b]‖², so the per-example norms over all layers need no per-example
 * gradient in memory, and the clipped sum Σ_b c_b A[b]ᵀδ[b] is one matrix product Aᵀ·diag(c)·δ.
 */
final class VectorisedGradients implements PerExampleGradients {

    /** Hidden-layer activations whose backprop is element-wise and deterministic. */
    private static final Set<Class<? extends IActivation>> ELEMENTWISE = Set.of(
            ActivationReLU.class,
            ActivationLReLU.class,
            ActivationTanH.class,
            ActivationSigmoid.class,
            ActivationIdentity.class,
            ActivationELU.class,
            ActivationSoftPlus.class,
            ActivationHardTanH.class);

    /** DL4J's MCXENT clips softmax outputs here in its score; the same keeps log(0) out of the loss. */
    private static final double MIN_PROBABILITY = 1e-10;

    private final Dense[] layers;
    private final INDArray gradient;
    /** Layers whose parameters are frozen: left out of every norm, their part of the sum zero. */
    private final boolean[] frozen;
    /** The output is one value with squared error (a regression model), not softmax or hazards. */
    private final boolean value;

    /** One dense layer: parameter views into the network and gradient views into {@link #gradient}. */
    private record Dense(
            INDArray weights, INDArray bias, IActivation activation, INDArray weightGradient, INDArray biasGradient) {}

    VectorisedGradients(MultiLayerNetwork net) {
        this(net, null);
    }

    /** With {@code frozenLayers} (null: none) left out of the per-example gradients. */
    VectorisedGradients(MultiLayerNetwork net, FrozenLayers frozenLayers) {
        unsupportedReason(net).ifPresent(reason -> {
            throw new IllegalArgumentException("the network cannot use vectorised per-example gradients: " + reason);
        });
        int count = net.getnLayers();
        value = org.cohort.learning.model.ModelSpec.value((OutputLayer)
                net.getLayerWiseConfigurations().getConf(count - 1).getLayer());
        layers = new Dense[count];
        frozen = new boolean[count];
        gradient = Nd4j.create(DataType.FLOAT, 1, net.numParams());
        long offset = 0;
        for (int i = 0; i < count; i++) {
            org.deeplearning4j.nn.api.Layer layer = net.getLayer(i);
            NeuralNetConfiguration conf = layer.conf();
            long size = layer.numParams();
            frozen[i] = frozenLayers != null && !frozenLayers.trains(offset, offset + size);
            // DL4J's own split of a flat gradient, so W is nIn×nOut in column-major order, then b.
            Map<String, INDArray> views = conf.getLayer()
                    .initializer()
                    .getGradientsFromFlattened(
                            conf,
                            gradient.get(
                                    NDArrayIndex.interval(0, 0, true), NDArrayIndex.interval(offset, offset + size)));
            layers[i] = new Dense(
                    layer.getParam(DefaultParamInitializer.WEIGHT_KEY),
                    layer.getParam(DefaultParamInitializer.BIAS_KEY),
                    ((BaseLayer) conf.getLayer()).getActivationFn(),
                    views.get(DefaultParamInitializer.WEIGHT_KEY),
                    views.get(DefaultParamInitializer.BIAS_KEY));
            offset += size;
        }
    }

    /** Empty when every layer is supported; otherwise the first layer that is not, and why. */
    static Optional<String> unsupportedReason(MultiLayerNetwork net) {
        Map<Integer, ?> preProcessors = net.getLayerWiseConfigurations().getInputPreProcessors();
        if (preProcessors != null && !preProcessors.isEmpty()) {
            return Optional.of("the configuration has input pre-processors");
        }
        List<NeuralNetConfiguration> confs = net.getLayerWiseConfigurations().getConfs();
        for (int i = 0; i < confs.size(); i++) {
            org.deeplearning4j.nn.conf.layers.Layer layer = confs.get(i).getLayer();
            boolean last = i == confs.size() - 1;
            Class<?> expected = last ? OutputLayer.class : DenseLayer.class;
            String where = "layer " + i + " (" + layer.getClass().getSimpleName() + ")";
            if (layer.getClass() != expected) {
                return Optional.of(where + " is not a " + expected.getSimpleName());
            }
            BaseLayer base = (BaseLayer) layer;
            if (base.getIDropout() != null || base.getWeightNoise() != null) {
                return Optional.of(where + " has dropout or weight noise");
            }
            if (base.getConstraints() != null && !base.getConstraints().isEmpty()) {
                return Optional.of(where + " has parameter constraints");
            }
            if (!last && !ELEMENTWISE.contains(base.getActivationFn().getClass())) {
                return Optional.of(where + " has activation " + base.getActivationFn());
            }
            if (last) {
                OutputLayer output = (OutputLayer) layer;
                boolean softmax = output.getActivationFn() instanceof ActivationSoftmax
                        && output.getLossFn() instanceof LossMCXENT loss
                        && loss.getWeights() == null;
                if (!softmax
                        && !org.cohort.learning.model.ModelSpec.hazards(output)
                        && !org.cohort.learning.model.ModelSpec.value(output)) {
                    return Optional.of(where + " is neither softmax with unweighted cross-entropy (MCXENT),"
                            + " sigmoid hazards with unweighted binary cross-entropy (XENT) nor one identity output"
                            + " with unweighted squared error (MSE)");
                }
            }
            boolean hasBias = last ? ((OutputLayer) layer).hasBias() : ((DenseLayer) layer).hasBias();
            if (!hasBias) {
                return Optional.of(where + " has no bias");
            }
        }
        return Optional.empty();
    }

    @Override
    public ClippedSum clippedSum(TabularDataset rows, double clipNorm) {
        int batch = rows.size();
        if (batch == 0) {
            return new ClippedSum(new float[(int) gradient.length()], 0, new double[0]);
        }
        Pass pass = forwardBackward(rows.featureMatrix(), rows.labelMatrix(), rows.labelMask());

        double[] squaredNorms = new double[batch];
        for (int l = 0; l < layers.length; l++) {
            if (frozen[l]) {
                continue;
            }
            float[] inputNorms = pass.inputs[l].norm2(1).toFloatVector();
            float[] errorNorms = pass.errors[l].norm2(1).toFloatVector();
            for (int b = 0; b < batch; b++) {
                double a = inputNorms[b];
                double d = errorNorms[b];
                squaredNorms[b] += (a * a + 1) * d * d; // weights ‖A‖²‖δ‖², bias ‖δ‖²
            }
        }
        double[] norms = new double[batch];
        float[] factors = new float[batch];
        boolean clips = false;
        for (int b = 0; b < batch; b++) {
            norms[b] = Math.sqrt(squaredNorms[b]);
            double factor = PerExampleGradients.clipFactor(norms[b], clipNorm, b);
            factors[b] = (float) factor;
            // A factor rounded up to float could exceed C/‖g‖: round down instead.
            if (factors[b] > factor) {
                factors[b] = Math.nextDown(factors[b]);
            }
            clips |= factor < 1;
        }
        INDArray scale = clips ? Nd4j.createFromArray(factors).reshape(batch, 1) : null;
        for (int l = 0; l < layers.length; l++) {
            if (frozen[l]) {
                continue; // its gradient views stay zero
            }
            INDArray scaledErrors = clips ? pass.errors[l].mulColumnVector(scale) : pass.errors[l];
            Nd4j.gemm(pass.inputs[l], scaledErrors, layers[l].weightGradient, true, false, 1.0, 0.0);
            layers[l].biasGradient.assign(scaledErrors.sum(true, 0));
        }
        return new ClippedSum(gradient.toFloatVector(), pass.lossSum, norms);
    }

    @Override
    public float[][] perExample(TabularDataset rows) {
        int batch = rows.size();
        float[][] result = new float[batch][(int) gradient.length()];
        if (batch == 0) {
            return result;
        }
        Pass pass = forwardBackward(rows.featureMatrix(), rows.labelMatrix(), rows.labelMask());
        int offset = 0;
        for (int l = 0; l < layers.length; l++) {
            float[][] a = pass.inputs[l].toFloatMatrix();
            float[][] d = pass.errors[l].toFloatMatrix();
            int in = a[0].length;
            int out = d[0].length;
            if (frozen[l]) {
                offset += in * out + out;
                continue;
            }
            for (int b = 0; b < batch; b++) {
                for (int j = 0; j < out; j++) {
                    for (int i = 0; i < in; i++) {
                        result[b][offset + j * in + i] = a[b][i] * d[b][j]; // column-major W
                    }
                    result[b][offset + in * out + j] = d[b][j];
                }
            }
            offset += in * out + out;
        }
        return result;
    }

    /** Each layer's input A_l and error δ_l = ∂loss_b/∂z_l for the batch, and the summed loss. */
    private record Pass(INDArray[] inputs, INDArray[] errors, double lossSum) {}

    private Pass forwardBackward(INDArray features, INDArray labels, INDArray mask) {
        int count = layers.length;
        INDArray[] inputs = new INDArray[count];
        INDArray[] preActivations = new INDArray[count];
        INDArray activations = features;
        for (int l = 0; l < count; l++) {
            inputs[l] = activations;
            preActivations[l] = activations.mmul(layers[l].weights).addiRowVector(layers[l].bias);
            if (l < count - 1) {
                activations = layers[l].activation.getActivation(preActivations[l].dup(), true);
            }
        }
        INDArray probabilities = layers[count - 1].activation.getActivation(preActivations[count - 1], true);
        double lossSum = 0;
        INDArray[] errors = new INDArray[count];
        if (value) {
            // One identity output with DL4J's MSE (squared error over one output): loss_b = (ŷ_b − y_b)²,
            // ∂loss_b/∂z = 2(ŷ_b − y_b).
            INDArray difference = probabilities.subi(labels);
            for (float d : difference.toFloatVector()) {
                lossSum += (double) d * d;
            }
            errors[count - 1] = difference.muli(2);
        } else if (mask != null) {
            // Sigmoid hazards with masked binary cross-entropy (a survival model): each output's
            // ∂loss_b/∂z_k = m_bk·(h_bk − y_bk), and loss_b = −Σ_k m_bk·[y log h + (1 − y) log(1 − h)].
            float[][] h = probabilities.toFloatMatrix();
            float[][] y = labels.toFloatMatrix();
            float[][] m = mask.toFloatMatrix();
            for (int b = 0; b < h.length; b++) {
                for (int k = 0; k < h[b].length; k++) {
                    if (m[b][k] != 0) {
                        double p = y[b][k] != 0 ? h[b][k] : 1 - (double) h[b][k];
                        lossSum -= m[b][k] * Math.log(Math.max(MIN_PROBABILITY, p));
                    }
                }
            }
            errors[count - 1] = probabilities.subi(labels).muli(mask);
        } else {
            // Softmax with cross-entropy: ∂loss_b/∂z = p_b − y_b.
            float[] trueClass = probabilities.mul(labels).sum(1).toFloatVector();
            for (float p : trueClass) {
                lossSum -= Math.log(Math.max(MIN_PROBABILITY, p));
            }
            errors[count - 1] = probabilities.subi(labels);
        }
        for (int l = count - 2; l >= 0; l--) {
            INDArray upstream = errors[l + 1].mmul(layers[l + 1].weights.transpose());
            errors[l] =
                    layers[l].activation.backprop(preActivations[l], upstream).getFirst();
        }
        return new Pass(inputs, errors, lossSum);
    }

    @Override
    public boolean vectorised() {
        return true;
    }

    @Override
    public String slowPathReason() {
        return "";
    }
}
