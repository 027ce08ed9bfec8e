package org.cohort.learning.dp;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.cohort.learning.data.TabularDataset;
import org.cohort.learning.model.Network;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.layers.IOutputLayer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.VertexIndices;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.convolution.Convolution;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * Per-example gradients of a small CNN (a MultiLayerNetwork or ComputationGraph of convolution,
 * pooling, global pooling, activation, dense and softmax output layers, residual additions and merges)
 * from one batched pass, instead of one backward pass per example.
 *
 * <p>DL4J's own layers run the batch forward and pass the errors back (so the function is exactly
 * DL4J's); what this class adds is each parameterised layer's per-example gradient from its input
 * and its error δ = ∂loss_b/∂z (the activation's derivative is taken from the layer's output: the
 * activations allowed here have one). A dense layer's is A[b]ᵀδ[b] (see {@link VectorisedGradients}:
 * its norm needs no per-example gradient in memory); a convolution's is δ[b]·col[b], with col[b] the
 * example's unfolded input (im2col, {@code outH·outW × inChannels·kH·kW}), one batched product for
 * the batch, and Σ_p δ[b] for the bias. Pooling and the pre-processors between convolutions and dense
 * layers have no parameters: DL4J's backprop passes their errors on.
 */
final class ConvGradients implements PerExampleGradients {

    private final Network network;
    /** Either a chain of layers or a graph. */
    private final MultiLayerNetwork net;

    private final ComputationGraph graph;
    /** The layer of each slot (a chain's layer, a graph's vertex), null where there is none. */
    private final Layer[] slots;

    private final INDArray gradient;
    private final Map<String, INDArray>[] views;

    ConvGradients(MultiLayerNetwork net) {
        this(Network.of(net));
    }

    @SuppressWarnings("unchecked")
    ConvGradients(Network network) {
        unsupportedReason(network).ifPresent(reason -> {
            throw new IllegalArgumentException("the network cannot use vectorised convolution gradients: " + reason);
        });
        this.network = network;
        this.net = network.multiLayer().orElse(null);
        this.graph = network.graph().orElse(null);
        gradient = Nd4j.create(DataType.FLOAT, 1, network.numParams());
        // DL4J's layers write their summed gradients while passing errors back: give them their views.
        int[] order;
        if (net != null) {
            net.initGradientsView();
            slots = new Layer[net.getnLayers()];
            order = new int[slots.length];
            for (int i = 0; i < slots.length; i++) {
                slots[i] = net.getLayer(i);
                order[i] = i;
            }
        } else {
            graph.initGradientsView();
            GraphVertex[] vertices = graph.getVertices();
            slots = new Layer[vertices.length];
            for (int i = 0; i < vertices.length; i++) {
                slots[i] = vertices[i].hasLayer() ? vertices[i].getLayer() : null;
            }
            order = graph.topologicalSortOrder(); // the order of the flattened parameters
        }
        views = new Map[slots.length];
        long offset = 0;
        for (int i : order) {
            long size = slots[i] == null ? 0 : slots[i].numParams();
            if (size > 0) {
                NeuralNetConfiguration conf = slots[i].conf();
                views[i] = conf.getLayer()
                        .initializer()
                        .getGradientsFromFlattened(
                                conf,
                                gradient.get(
                                        NDArrayIndex.interval(0, 0, true),
                                        NDArrayIndex.interval(offset, offset + size)));
            }
            offset += size;
        }
    }

    /** Most per-example convolution gradient values one step may hold (256 MiB of floats). */
    static final long MAX_PER_EXAMPLE_VALUES = 1L << 26;

    /**
     * Why this engine should not take {@code network} at this expected batch size, if it should not:
     * {@link #unsupportedReason(Network)}, or per-example convolution gradients (batch × the largest
     * convolution's parameters, for twice the expected batch: Poisson batches vary) above
     * {@link #MAX_PER_EXAMPLE_VALUES}.
     */
    static Optional<String> unsupportedReason(Network network, double expectedBatchSize) {
        Optional<String> layers = unsupportedReason(network);
        if (layers.isPresent()) {
            return layers;
        }
        long largest = network.layers().stream()
                .filter(l -> l instanceof ConvolutionLayer)
                .mapToLong(l -> l.initializer().numParams(l))
                .max()
                .orElse(0);
        double values = 2 * expectedBatchSize * largest;
        return values > MAX_PER_EXAMPLE_VALUES
                ? Optional.of(String.format(
                        java.util.Locale.ROOT,
                        "per-example convolution gradients would hold about %.3g values per step, above %d",
                        values,
                        MAX_PER_EXAMPLE_VALUES))
                : Optional.empty();
    }

    /** Empty when this engine takes {@code network}; otherwise the first thing it does not take. */
    static Optional<String> unsupportedReason(Network network) {
        if (network.multiLayer().isPresent()) {
            return unsupportedReason(network.multiLayer().get());
        }
        ComputationGraph g = network.graph().orElseThrow();
        var conf = g.getConfiguration();
        if (conf.getNetworkInputs().size() != 1 || conf.getNetworkOutputs().size() != 1) {
            return Optional.of("the graph has more than one input or output");
        }
        String output = conf.getNetworkOutputs().getFirst();
        for (var e : conf.getVertices().entrySet()) {
            String where = "vertex '" + e.getKey() + "'";
            if (e.getValue() instanceof LayerVertex lv) {
                if (lv.getPreProcessor() != null
                        && !(lv.getPreProcessor() instanceof FeedForwardToCnnPreProcessor)
                        && !(lv.getPreProcessor() instanceof CnnToFeedForwardPreProcessor)) {
                    return Optional.of(where + " has pre-processor "
                            + lv.getPreProcessor().getClass().getSimpleName());
                }
                Optional<String> problem =
                        layerProblem(lv.getLayerConf().getLayer(), e.getKey().equals(output), where);
                if (problem.isPresent()) {
                    return problem;
                }
            } else if (!(e.getValue() instanceof ElementWiseVertex) && !(e.getValue() instanceof MergeVertex)) {
                return Optional.of(where + " is a " + e.getValue().getClass().getSimpleName());
            }
        }
        return Optional.empty();
    }

    /** Empty when this engine takes {@code net}; otherwise the first thing it does not take. */
    static Optional<String> unsupportedReason(MultiLayerNetwork net) {
        Map<Integer, InputPreProcessor> preProcessors =
                net.getLayerWiseConfigurations().getInputPreProcessors();
        if (preProcessors != null) {
            for (var e : preProcessors.entrySet()) {
                if (!(e.getValue() instanceof FeedForwardToCnnPreProcessor)
                        && !(e.getValue() instanceof CnnToFeedForwardPreProcessor)) {
                    return Optional.of("layer " + e.getKey() + " has pre-processor "
                            + e.getValue().getClass().getSimpleName());
                }
            }
        }
        List<NeuralNetConfiguration> confs = net.getLayerWiseConfigurations().getConfs();
        for (int i = 0; i < confs.size(); i++) {
            org.deeplearning4j.nn.conf.layers.Layer layer = confs.get(i).getLayer();
            Optional<String> problem = layerProblem(
                    layer,
                    i == confs.size() - 1,
                    "layer " + i + " (" + layer.getClass().getSimpleName() + ")");
            if (problem.isPresent()) {
                return problem;
            }
        }
        return Optional.empty();
    }

    /** Why this engine does not take {@code layer} (the network's output layer when {@code last}), if it does not. */
    private static Optional<String> layerProblem(
            org.deeplearning4j.nn.conf.layers.Layer layer, boolean last, String where) {
        if (last != (layer.getClass() == OutputLayer.class)) {
            return Optional.of(where + ": only the last layer may be, and must be, an OutputLayer");
        }
        if (layer.getIDropout() != null) {
            return Optional.of(where + " has dropout");
        }
        if (layer.getClass() == SubsamplingLayer.class) {
            return ((SubsamplingLayer) layer).getCnn2dDataFormat() == CNN2DFormat.NCHW
                    ? Optional.empty()
                    : Optional.of(where + " is not NCHW");
        }
        if (layer.getClass() == GlobalPoolingLayer.class || layer.getClass() == ActivationLayer.class) {
            return Optional.empty(); // no parameters, and each example's output is its own: DL4J passes the errors
        }
        if (layer.getClass() != ConvolutionLayer.class
                && layer.getClass() != DenseLayer.class
                && layer.getClass() != OutputLayer.class) {
            return Optional.of(where + " is not a convolution, pooling, dense or output layer");
        }
        BaseLayer base = (BaseLayer) layer;
        if (base.getWeightNoise() != null
                || (base.getConstraints() != null && !base.getConstraints().isEmpty())) {
            return Optional.of(where + " has weight noise or parameter constraints");
        }
        if (layer instanceof ConvolutionLayer conv
                && (!conv.hasBias() || conv.getCnn2dDataFormat() != CNN2DFormat.NCHW)) {
            return Optional.of(where + " has no bias or is not NCHW");
        }
        if (layer instanceof DenseLayer dense && !dense.hasBias()) {
            return Optional.of(where + " has no bias");
        }
        if (last) {
            OutputLayer output = (OutputLayer) layer;
            if (!output.hasBias()
                    || !(output.getActivationFn() instanceof ActivationSoftmax)
                    || !(output.getLossFn() instanceof LossMCXENT loss)
                    || loss.getWeights() != null) {
                return Optional.of(where + " is not softmax with unweighted cross-entropy (MCXENT) and a bias");
            }
        } else if (!derivableFromOutput(base.getActivationFn())) {
            return Optional.of(where + " has activation " + base.getActivationFn());
        }
        return Optional.empty();
    }

    /** Activations whose derivative this class takes from the layer's output. */
    private static boolean derivableFromOutput(IActivation activation) {
        return activation instanceof ActivationIdentity
                || activation instanceof ActivationTanH
                || activation instanceof ActivationSigmoid
                || (activation instanceof ActivationReLU && activation.equals(new ActivationReLU()));
    }

    /** ∂output/∂z from the output, for the activations of {@link #derivableFromOutput}. */
    private static INDArray derivative(IActivation activation, INDArray output) {
        return switch (activation) {
            case ActivationIdentity i -> Nd4j.onesLike(output);
            case ActivationTanH t -> output.mul(output).rsubi(1);
            case ActivationSigmoid s -> output.rsub(1).muli(output);
            default -> output.gt(0).castTo(output.dataType()); // ReLU
        };
    }

    /** Each layer's input and, for a layer with parameters, its error δ; and the summed loss. */
    private record Pass(INDArray[] inputs, INDArray[] errors, double lossSum) {}

    private Pass forwardBackward(INDArray features, INDArray labels) {
        return net != null ? chainPass(features, labels) : graphPass(features, labels);
    }

    /** Each slot's (vertex's) layer input and error, through the graph in DL4J's topological order. */
    private Pass graphPass(INDArray features, INDArray labels) {
        var mgr = LayerWorkspaceMgr.noWorkspaces();
        GraphVertex[] vertices = graph.getVertices();
        int[] order = graph.topologicalSortOrder();
        graph.setInput(0, features); // its pre-processors read the batch size from the graph's input
        INDArray[] outputs = new INDArray[vertices.length];
        for (int idx : order) {
            GraphVertex v = vertices[idx];
            if (v.isInputVertex()) {
                outputs[idx] = features;
                continue;
            }
            VertexIndices[] in = v.getInputVertices();
            for (int j = 0; j < in.length; j++) {
                v.setInput(j, outputs[in[j].getVertexIndex()], mgr);
            }
            outputs[idx] = v.doForward(true, mgr);
        }
        INDArray[] inputs = new INDArray[vertices.length];
        INDArray[] errors = new INDArray[vertices.length];
        INDArray[] epsilons = new INDArray[vertices.length];
        double lossSum = 0;
        for (int k = order.length - 1; k >= 0; k--) {
            int idx = order[k];
            GraphVertex v = vertices[idx];
            if (v.isInputVertex()) {
                continue;
            }
            if (v.isOutputVertex()) {
                INDArray probabilities = outputs[idx];
                lossSum = loss(probabilities, labels);
                errors[idx] = probabilities.sub(labels); // softmax with cross-entropy
                ((IOutputLayer) v.getLayer()).setLabels(labels);
            } else if (epsilons[idx] == null) {
                continue; // nothing below the output depends on it
            } else {
                v.setEpsilon(epsilons[idx]);
                if (v.hasLayer() && v.getLayer().numParams() > 0) {
                    IActivation activation = ((BaseLayer) v.getLayer().conf().getLayer()).getActivationFn();
                    errors[idx] = derivative(activation, outputs[idx]).muli(epsilons[idx]);
                }
            }
            if (v.hasLayer() && v.getLayer().numParams() > 0) {
                inputs[idx] = v.getLayer().input();
            }
            INDArray[] back = v.doBackward(false, mgr).getSecond();
            VertexIndices[] in = v.getInputVertices();
            for (int j = 0; j < in.length; j++) {
                int from = in[j].getVertexIndex();
                if (back[j] != null && !vertices[from].isInputVertex()) {
                    epsilons[from] = epsilons[from] == null ? back[j].dup() : epsilons[from].addi(back[j]);
                }
            }
        }
        return new Pass(inputs, errors, lossSum);
    }

    private static double loss(INDArray probabilities, INDArray labels) {
        double lossSum = 0;
        for (float p : probabilities.mul(labels).sum(1).toFloatVector()) {
            lossSum -= Math.log(Math.max(1e-10, p));
        }
        return lossSum;
    }

    private Pass chainPass(INDArray features, INDArray labels) {
        var mgr = LayerWorkspaceMgr.noWorkspaces();
        int count = net.getnLayers();
        int batch = (int) features.size(0);
        var conf = net.getLayerWiseConfigurations();
        INDArray[] inputs = new INDArray[count];
        INDArray[] outputs = new INDArray[count];
        INDArray x = features;
        for (int l = 0; l < count; l++) {
            InputPreProcessor pre = conf.getInputPreProcess(l);
            if (pre != null) {
                x = pre.preProcess(x, batch, mgr);
            }
            Layer layer = net.getLayer(l);
            layer.setInputMiniBatchSize(batch);
            layer.setInput(x, mgr);
            inputs[l] = x;
            x = layer.activate(true, mgr);
            outputs[l] = x;
        }
        INDArray probabilities = outputs[count - 1];
        double lossSum = loss(probabilities, labels);
        INDArray[] errors = new INDArray[count];
        errors[count - 1] = probabilities.sub(labels); // softmax with cross-entropy
        Layer output = net.getLayer(count - 1);
        ((IOutputLayer) output).setLabels(labels);
        INDArray epsilon = output.backpropGradient(null, mgr).getSecond();
        for (int l = count - 2; l >= 0; l--) {
            InputPreProcessor pre = conf.getInputPreProcess(l + 1);
            if (pre != null) {
                epsilon = pre.backprop(epsilon, batch, mgr);
            }
            Layer layer = net.getLayer(l);
            if (layer.numParams() > 0) {
                IActivation activation = ((BaseLayer) layer.conf().getLayer()).getActivationFn();
                errors[l] = derivative(activation, outputs[l]).muli(epsilon);
            }
            if (l > 0) {
                epsilon = layer.backpropGradient(epsilon, mgr).getSecond();
            }
        }
        return new Pass(inputs, errors, lossSum);
    }

    /** A convolution's per-example weight gradients, {@code [batch, outChannels, inChannels·kH·kW]}. */
    private static INDArray convolutionGradients(ConvolutionLayer conf, INDArray input, INDArray error) {
        int batch = (int) input.size(0);
        int channels = (int) input.size(1);
        int inH = (int) input.size(2);
        int inW = (int) input.size(3);
        int outChannels = (int) error.size(1);
        int outH = (int) error.size(2);
        int outW = (int) error.size(3);
        int[] kernel = conf.getKernelSize();
        int[] strides = conf.getStride();
        int[] dilation = conf.getDilation();
        boolean same = conf.getConvolutionMode() == ConvolutionMode.Same;
        int[] pad = same
                ? ConvolutionUtils.getSameModeTopLeftPadding(
                        new int[] {outH, outW}, new int[] {inH, inW}, kernel, strides, dilation)
                : conf.getPadding();
        INDArray col = Nd4j.createUninitialized(
                input.dataType(), new long[] {batch, outH, outW, channels, kernel[0], kernel[1]}, 'c');
        Convolution.im2col(
                input,
                kernel[0],
                kernel[1],
                strides[0],
                strides[1],
                pad[0],
                pad[1],
                dilation[0],
                dilation[1],
                same,
                col.permute(0, 3, 4, 5, 1, 2));
        INDArray patches = col.reshape('c', batch, (long) outH * outW, (long) channels * kernel[0] * kernel[1]);
        INDArray errors = error.dup('c').reshape('c', batch, outChannels, (long) outH * outW);
        return Nd4j.matmul(errors, patches);
    }

    /** Per-example gradients of each parameterised layer: weights [batch, w] and bias [batch, b] (null if none). */
    private record LayerGradients(INDArray weights, INDArray bias, INDArray input, INDArray error) {}

    private LayerGradients[] layerGradients(Pass pass) {
        int count = slots.length;
        var out = new LayerGradients[count];
        for (int l = 0; l < count; l++) {
            if (pass.errors[l] == null) {
                continue;
            }
            var layer = slots[l].conf().getLayer();
            if (layer instanceof ConvolutionLayer conv) {
                INDArray w = convolutionGradients(conv, pass.inputs[l], pass.errors[l]);
                int batch = (int) w.size(0);
                INDArray bias = pass.errors[l].sum(2, 3);
                out[l] = new LayerGradients(w.reshape('c', batch, w.size(1) * w.size(2)), bias, null, null);
            } else {
                out[l] = new LayerGradients(null, null, pass.inputs[l], pass.errors[l]);
            }
        }
        return out;
    }

    @Override
    public ClippedSum clippedSum(TabularDataset rows, double clipNorm) {
        int batch = rows.size();
        if (batch == 0) {
            return new ClippedSum(new float[(int) gradient.length()], 0, new double[0]);
        }
        Pass pass = forwardBackward(rows.featureMatrix(), rows.oneHotLabels());
        LayerGradients[] layers = layerGradients(pass);
        double[] squared = new double[batch];
        for (LayerGradients g : layers) {
            if (g == null) {
                continue;
            }
            if (g.weights() != null) {
                float[] w = g.weights().norm2(1).toFloatVector();
                float[] b = g.bias().norm2(1).toFloatVector();
                for (int i = 0; i < batch; i++) {
                    squared[i] += (double) w[i] * w[i] + (double) b[i] * b[i];
                }
            } else {
                float[] a = g.input().norm2(1).toFloatVector();
                float[] d = g.error().norm2(1).toFloatVector();
                for (int i = 0; i < batch; i++) {
                    squared[i] += ((double) a[i] * a[i] + 1) * d[i] * d[i];
                }
            }
        }
        double[] norms = new double[batch];
        float[] factors = new float[batch];
        for (int b = 0; b < batch; b++) {
            norms[b] = Math.sqrt(squared[b]);
            double factor = PerExampleGradients.clipFactor(norms[b], clipNorm, b);
            factors[b] = (float) factor;
            if (factors[b] > factor) {
                factors[b] = Math.nextDown(factors[b]); // never above C/‖g‖
            }
        }
        writeWeightedSum(layers, factors);
        network.clear();
        return new ClippedSum(gradient.toFloatVector(), pass.lossSum, norms);
    }

    /** Σ_b weights[b]·g_b into {@link #gradient}, layer by layer. */
    private void writeWeightedSum(LayerGradients[] layers, float[] weights) {
        int batch = weights.length;
        INDArray scale = Nd4j.createFromArray(weights).reshape(1, batch);
        for (int l = 0; l < layers.length; l++) {
            LayerGradients g = layers[l];
            if (g == null) {
                continue;
            }
            INDArray weightView = views[l].get(DefaultParamInitializer.WEIGHT_KEY);
            INDArray biasView = views[l].get(DefaultParamInitializer.BIAS_KEY);
            if (g.weights() != null) {
                weightView.assign(scale.mmul(g.weights()).reshape('c', weightView.shape()));
                biasView.assign(scale.mmul(g.bias()).reshape(biasView.shape()));
            } else {
                INDArray scaled = g.error().mulColumnVector(scale.reshape(batch, 1));
                Nd4j.gemm(g.input(), scaled, weightView, true, false, 1.0, 0.0);
                biasView.assign(scaled.sum(true, 0));
            }
        }
    }

    @Override
    public float[][] perExample(TabularDataset rows) {
        int batch = rows.size();
        float[][] result = new float[batch][];
        if (batch == 0) {
            return result;
        }
        LayerGradients[] layers = layerGradients(forwardBackward(rows.featureMatrix(), rows.oneHotLabels()));
        for (int b = 0; b < batch; b++) {
            float[] only = new float[batch];
            only[b] = 1; // example b's own gradient: the weighted sum with weight 1 on b alone
            writeWeightedSum(layers, only);
            result[b] = gradient.toFloatVector();
        }
        network.clear();
        return result;
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
