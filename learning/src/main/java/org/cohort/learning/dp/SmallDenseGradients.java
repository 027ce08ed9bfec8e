package org.cohort.learning.dp;

import java.util.List;
import org.cohort.learning.data.TabularDataset;
import org.cohort.learning.model.FrozenLayers;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationTanH;

/**
 * The batched per-example algorithm of {@link VectorisedGradients} on plain Java arrays, for
 * networks small enough that ND4J's fixed cost per operation (tens of microseconds: a DP-SGD step
 * needs about thirty) outweighs what BLAS saves: the tabular presets, where a step is some
 * 10^4–10^6 multiply-adds. Same mathematics, same flat layout; loops are ordered so that the inner
 * one is a contiguous multiply-add the JIT can vectorise.
 */
final class SmallDenseGradients implements PerExampleGradients {

    /**
     * Above this many (expected batch size × parameters) the ND4J engine is used. Measured on the
     * development machine (one thread): these loops cost about 1.2 ns per unit, ND4J about 0.3 ns per
     * unit plus roughly 0.5–1 ms per step of fixed per-operation cost, so they break even near 10^6.
     */
    static final double MAX_WORK = 1e6;

    private static final double MIN_PROBABILITY = 1e-10;

    private enum Kind {
        RELU,
        TANH,
        SIGMOID,
        IDENTITY
    }

    private final MultiLayerNetwork net;
    private final int[] inputs;
    private final int[] outputs;
    private final int[] offsets;
    private final Kind[] hidden;
    private final int numParams;
    /** Layers whose parameters are frozen: left out of every norm and sum. */
    private final boolean[] frozen;

    SmallDenseGradients(MultiLayerNetwork net) {
        this(net, null);
    }

    /** With {@code frozen} layers (null: none) left out of the per-example gradients. */
    SmallDenseGradients(MultiLayerNetwork net, FrozenLayers frozen) {
        if (!supports(net)) {
            throw new IllegalArgumentException("the network is not a dense network with ReLU, tanh, sigmoid or"
                    + " identity hidden layers and a softmax cross-entropy, sigmoid hazards or squared-error output");
        }
        this.net = net;
        List<NeuralNetConfiguration> confs = net.getLayerWiseConfigurations().getConfs();
        int count = confs.size();
        inputs = new int[count];
        outputs = new int[count];
        offsets = new int[count];
        hidden = new Kind[count - 1];
        int offset = 0;
        for (int l = 0; l < count; l++) {
            inputs[l] = net.layerInputSize(l);
            outputs[l] = net.layerSize(l);
            offsets[l] = offset;
            offset += inputs[l] * outputs[l] + outputs[l];
            if (l < count - 1) {
                hidden[l] = kind(((BaseLayer) confs.get(l).getLayer()).getActivationFn());
            }
        }
        numParams = Math.toIntExact(net.numParams());
        if (offset != numParams) {
            throw new IllegalStateException("parameter layout mismatch: expected " + offset + " but the network has "
                    + numParams + " parameters");
        }
        this.frozen = new boolean[count];
        for (int l = 0; frozen != null && l < count; l++) {
            this.frozen[l] = !frozen.trains(offsets[l], (long) offsets[l] + inputs[l] * outputs[l] + outputs[l]);
        }
    }

    /** Layers the ND4J engine supports, with plain ReLU, tanh, sigmoid or identity hidden activations. */
    static boolean supports(MultiLayerNetwork net) {
        if (VectorisedGradients.unsupportedReason(net).isPresent()) {
            return false;
        }
        List<NeuralNetConfiguration> confs = net.getLayerWiseConfigurations().getConfs();
        for (int l = 0; l < confs.size() - 1; l++) {
            if (kind(((BaseLayer) confs.get(l).getLayer()).getActivationFn()) == null) {
                return false;
            }
        }
        return true;
    }

    /** Whether these loops beat ND4J for {@code net} at this batch size (see {@link #MAX_WORK}). */
    static boolean isFasterFor(MultiLayerNetwork net, double expectedBatchSize) {
        return expectedBatchSize * net.numParams() <= MAX_WORK;
    }

    private static Kind kind(IActivation activation) {
        if (new ActivationReLU().equals(activation)) {
            return Kind.RELU; // plain ReLU only: no cap, threshold or leak
        }
        if (activation instanceof ActivationTanH) {
            return Kind.TANH;
        }
        if (activation instanceof ActivationSigmoid) {
            return Kind.SIGMOID;
        }
        if (activation instanceof ActivationIdentity) {
            return Kind.IDENTITY;
        }
        return null;
    }

    @Override
    public ClippedSum clippedSum(TabularDataset batch, double clipNorm) {
        int size = batch.size();
        float[] sum = new float[numParams];
        if (size == 0) {
            return new ClippedSum(sum, 0, new double[0]);
        }
        float[] params = net.params().toFloatVector();
        Pass pass = forwardBackward(batch, params);

        double[] squaredNorms = new double[size];
        for (int l = 0; l < inputs.length; l++) {
            if (frozen[l]) {
                continue;
            }
            for (int b = 0; b < size; b++) {
                double a = squaredNorm(pass.inputs[l][b]);
                double d = squaredNorm(pass.errors[l][b]);
                squaredNorms[b] += (a + 1) * d; // weights ‖A‖²‖δ‖², bias ‖δ‖²
            }
        }
        double[] norms = new double[size];
        float[] factors = new float[size];
        for (int b = 0; b < size; b++) {
            norms[b] = Math.sqrt(squaredNorms[b]);
            double factor = PerExampleGradients.clipFactor(norms[b], clipNorm, b);
            factors[b] = (float) factor;
            if (factors[b] > factor) {
                factors[b] = Math.nextDown(factors[b]); // never round a factor up
            }
        }
        for (int l = 0; l < inputs.length; l++) {
            if (frozen[l]) {
                continue; // its part of the sum stays zero
            }
            int in = inputs[l];
            int out = outputs[l];
            // Σ_b c_b·A[b]ᵀδ[b], accumulated row-major (inner loop over outputs), then stored column-major.
            float[] weights = new float[in * out];
            int bias = offsets[l] + in * out;
            for (int b = 0; b < size; b++) {
                float[] a = pass.inputs[l][b];
                float[] d = pass.errors[l][b];
                float c = factors[b];
                for (int i = 0; i < in; i++) {
                    float s = c * a[i];
                    if (s == 0) {
                        continue; // ReLU zeros and one-hot features are common
                    }
                    int row = i * out;
                    for (int j = 0; j < out; j++) {
                        weights[row + j] += s * d[j];
                    }
                }
                for (int j = 0; j < out; j++) {
                    sum[bias + j] += c * d[j];
                }
            }
            for (int i = 0; i < in; i++) {
                for (int j = 0; j < out; j++) {
                    sum[offsets[l] + j * in + i] = weights[i * out + j];
                }
            }
        }
        return new ClippedSum(sum, pass.lossSum, norms);
    }

    @Override
    public float[][] perExample(TabularDataset batch) {
        int size = batch.size();
        float[][] result = new float[size][numParams];
        if (size == 0) {
            return result;
        }
        Pass pass = forwardBackward(batch, net.params().toFloatVector());
        for (int l = 0; l < inputs.length; l++) {
            if (frozen[l]) {
                continue;
            }
            int in = inputs[l];
            int out = outputs[l];
            for (int b = 0; b < size; b++) {
                for (int j = 0; j < out; j++) {
                    for (int i = 0; i < in; i++) {
                        result[b][offsets[l] + j * in + i] = pass.inputs[l][b][i] * pass.errors[l][b][j];
                    }
                    result[b][offsets[l] + in * out + j] = pass.errors[l][b][j];
                }
            }
        }
        return result;
    }

    /** Each layer's input rows A_l[b] and errors δ_l[b] = ∂loss_b/∂z_l, and the summed loss. */
    private record Pass(float[][][] inputs, float[][][] errors, double lossSum) {}

    private Pass forwardBackward(TabularDataset batch, float[] params) {
        int count = inputs.length;
        int size = batch.size();
        float[][][] layerInputs = new float[count + 1][][];
        layerInputs[0] = batch.features();
        // Row-major copies of each W (params hold it column-major), so the forward inner loop is contiguous.
        float[][] rowMajor = new float[count][];
        for (int l = 0; l < count; l++) {
            int in = inputs[l];
            int out = outputs[l];
            float[] w = new float[in * out];
            for (int j = 0; j < out; j++) {
                for (int i = 0; i < in; i++) {
                    w[i * out + j] = params[offsets[l] + j * in + i];
                }
            }
            rowMajor[l] = w;
            float[][] next = new float[size][];
            for (int b = 0; b < size; b++) {
                float[] z = new float[out];
                System.arraycopy(params, offsets[l] + in * out, z, 0, out);
                float[] a = layerInputs[l][b];
                for (int i = 0; i < in; i++) {
                    float x = a[i];
                    if (x == 0) {
                        continue;
                    }
                    int row = i * out;
                    for (int j = 0; j < out; j++) {
                        z[j] += x * w[row + j];
                    }
                }
                if (l < count - 1) {
                    activate(hidden[l], z);
                }
                next[b] = z;
            }
            layerInputs[l + 1] = next;
        }

        float[][][] errors = new float[count][][];
        int[] labels = batch.labels();
        double lossSum = 0;
        float[][] top = new float[size][];
        for (int b = 0; b < size; b++) {
            float[] logits = layerInputs[count][b];
            if (batch.isRegression()) {
                // One identity output with DL4J's MSE: loss_b = (ŷ_b − y_b)², ∂loss_b/∂z = 2(ŷ_b − y_b).
                double difference = logits[0] - batch.targets()[b];
                lossSum += difference * difference;
                top[b] = new float[] {(float) (2 * difference)};
                continue;
            }
            if (batch.isSurvival()) {
                // Sigmoid hazards, masked binary cross-entropy: intervals before the patient's own
                // are survived (y = 0), its own counts only with an observed event (y = 1).
                boolean event = batch.survival().events()[b];
                int last = event ? labels[b] : labels[b] - 1;
                float[] delta = new float[logits.length];
                for (int k = 0; k <= last; k++) {
                    double h = 1 / (1 + Math.exp(-logits[k]));
                    boolean y = event && k == labels[b];
                    lossSum -= Math.log(Math.max(MIN_PROBABILITY, y ? h : 1 - h));
                    delta[k] = (float) (y ? h - 1 : h);
                }
                top[b] = delta;
                continue;
            }
            // Softmax with cross-entropy: ∂loss_b/∂z = p_b − y_b.
            double max = Double.NEGATIVE_INFINITY;
            for (float v : logits) {
                max = Math.max(max, v);
            }
            double total = 0;
            double[] e = new double[logits.length];
            for (int k = 0; k < logits.length; k++) {
                e[k] = Math.exp(logits[k] - max);
                total += e[k];
            }
            float[] delta = new float[logits.length];
            for (int k = 0; k < logits.length; k++) {
                delta[k] = (float) (e[k] / total);
            }
            lossSum -= Math.log(Math.max(MIN_PROBABILITY, e[labels[b]] / total));
            delta[labels[b]] -= 1;
            top[b] = delta;
        }
        errors[count - 1] = top;

        for (int l = count - 2; l >= 0; l--) {
            int in = inputs[l + 1];
            int out = outputs[l + 1];
            float[] wColumns = params; // column j of W_{l+1} is contiguous: params[offset + j·in ...]
            int offset = offsets[l + 1];
            float[][] below = new float[size][];
            for (int b = 0; b < size; b++) {
                float[] up = errors[l + 1][b];
                float[] d = new float[in];
                for (int j = 0; j < out; j++) {
                    float u = up[j];
                    int column = offset + j * in;
                    for (int i = 0; i < in; i++) {
                        d[i] += u * wColumns[column + i];
                    }
                }
                derivative(hidden[l], layerInputs[l + 1][b], d);
                below[b] = d;
            }
            errors[l] = below;
        }
        float[][][] used = new float[count][][];
        System.arraycopy(layerInputs, 0, used, 0, count);
        return new Pass(used, errors, lossSum);
    }

    private static void activate(Kind kind, float[] z) {
        switch (kind) {
            case RELU -> {
                for (int j = 0; j < z.length; j++) {
                    z[j] = Math.max(0f, z[j]);
                }
            }
            case TANH -> {
                for (int j = 0; j < z.length; j++) {
                    z[j] = (float) Math.tanh(z[j]);
                }
            }
            case SIGMOID -> {
                for (int j = 0; j < z.length; j++) {
                    z[j] = (float) (1 / (1 + Math.exp(-z[j])));
                }
            }
            case IDENTITY -> {}
        }
    }

    /** Multiplies {@code d} by the activation's derivative, written in terms of its output {@code a}. */
    private static void derivative(Kind kind, float[] a, float[] d) {
        switch (kind) {
            case RELU -> {
                for (int i = 0; i < d.length; i++) {
                    d[i] = a[i] > 0 ? d[i] : 0f;
                }
            }
            case TANH -> {
                for (int i = 0; i < d.length; i++) {
                    d[i] *= 1 - a[i] * a[i];
                }
            }
            case SIGMOID -> {
                for (int i = 0; i < d.length; i++) {
                    d[i] *= a[i] * (1 - a[i]);
                }
            }
            case IDENTITY -> {}
        }
    }

    private static double squaredNorm(float[] values) {
        double sum = 0;
        for (float v : values) {
            sum += (double) v * v;
        }
        return sum;
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
