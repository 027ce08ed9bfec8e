package org.cohort.learning.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.cohort.learning.Nd4jRuntime;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossNegativeLogLikelihood;

/**
 * A model as a study carries it: a DL4J {@link MultiLayerConfiguration} or {@link
 * ComputationGraphConfiguration} JSON (DL4J's own {@code toJson} format), from which any party
 * rebuilds the same network architecture.
 *
 * <p>The JSON is checked once here, so that a configuration the site trainer cannot run is refused
 * when the spec is created (at study creation or when a site receives it), not in the middle of a
 * round: class names are checked before DL4J parses anything ({@link ModelAllowList}); then the
 * layers and vertices, the input and output, the parameter count (computed without allocating it)
 * and the activations one example needs in a forward pass ({@link #MAX_ACTIVATIONS_PER_EXAMPLE}).
 */
public final class ModelSpec {
    /** Most layers and vertices a configuration may have. */
    public static final int MAX_LAYERS = 256;
    /**
     * Most values one example's forward pass may hold (activations of every layer, plus each
     * convolution's unfolded input): 2^22 floats = 16 MiB per example, so a site's batch of 32 stays
     * within about half a GiB of activations, however the layers are shaped.
     */
    public static final long MAX_ACTIVATIONS_PER_EXAMPLE = 1L << 22;
    /** Above this many parameters the configuration is refused before any exact count (no overflow). */
    private static final double MAX_COUNTABLE_PARAMETERS = 0x1p52;

    private final String configJson;
    private final MultiLayerConfiguration multiLayer;
    private final ComputationGraphConfiguration graph;
    private final long parameters;
    private final int inputs;
    private final int classes;

    public ModelSpec(String configJson) {
        this.configJson = Objects.requireNonNull(configJson, "configJson");
        Object parsed = parse(configJson);
        this.multiLayer = parsed instanceof MultiLayerConfiguration m ? m : null;
        this.graph = parsed instanceof ComputationGraphConfiguration g ? g : null;
        this.parameters = countParameters();
        this.inputs = Math.toIntExact(structuralInputs());
        this.classes = structuralClasses();
        long activations = activationsPerExample();
        if (activations > MAX_ACTIVATIONS_PER_EXAMPLE) {
            throw new IllegalArgumentException("one example's forward pass through this model holds about "
                    + activations + " values (activations and unfolded convolution inputs), above the limit of "
                    + MAX_ACTIVATIONS_PER_EXAMPLE + "; use fewer or smaller channels, or a smaller input");
        }
    }

    /** The configuration JSON as given. */
    public String configJson() {
        return configJson;
    }

    /** Whether this is a ComputationGraph (else a MultiLayerNetwork). */
    public boolean isGraph() {
        return graph != null;
    }

    /** DL4J's own JSON of the parsed configuration: what a coordinator stores and sends, once checked. */
    public String normalisedJson() {
        return graph != null ? graph.toJson() : multiLayer.toJson();
    }

    /** A new, initialised network (parameters from the configuration's seed). */
    public Network build() {
        Nd4jRuntime.ensureInitialised();
        if (graph != null) {
            ComputationGraph g = new ComputationGraph(graph.clone());
            g.init();
            return Network.of(g);
        }
        MultiLayerNetwork net = new MultiLayerNetwork(multiLayer.clone());
        net.init();
        return Network.of(net);
    }

    /**
     * Builds the network and runs one forward and backward pass on a row of zeros, so that layers
     * whose shapes do not fit together are refused now, not at a site in the middle of a round.
     * Allocates the parameters: check {@link #parameterCount()} against the limits first.
     */
    public void probe() {
        try {
            Network net = build();
            var row = org.nd4j.linalg.factory.Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, inputs);
            var label = org.nd4j.linalg.factory.Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, classes);
            label.putScalar(0, 0, 1);
            long[] shape = net.output(row).shape();
            if (shape.length != 2 || shape[1] != classes) {
                throw new IllegalArgumentException("the output has shape " + java.util.Arrays.toString(shape)
                        + ", not one probability per class (" + classes + ")");
            }
            net.gradient(row, label);
            net.clear();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    "the model's layers do not fit together: one forward and backward pass" + " of a row of " + inputs
                            + " zeros failed (" + rootMessage(e) + ")",
                    e);
        }
    }

    /** A new, initialised multilayer network; for a ComputationGraph use {@link #build()}. */
    public MultiLayerNetwork newNetwork() {
        return build().multiLayer()
                .orElseThrow(() -> new IllegalStateException(
                        "this model is a ComputationGraph, not a MultiLayerNetwork; build it with build()"));
    }

    /** A new network whose initial parameters are drawn with {@code seed} instead of the configuration's. */
    Network build(long seed) {
        Nd4jRuntime.ensureInitialised();
        if (graph != null) {
            ComputationGraphConfiguration conf = graph.clone();
            conf.getDefaultConfiguration().setSeed(seed);
            for (GraphVertex v : conf.getVertices().values()) {
                if (v instanceof LayerVertex lv) {
                    lv.getLayerConf().setSeed(seed);
                }
            }
            ComputationGraph g = new ComputationGraph(conf);
            g.init();
            return Network.of(g);
        }
        MultiLayerConfiguration conf = multiLayer.clone();
        for (NeuralNetConfiguration layerConf : conf.getConfs()) {
            layerConf.setSeed(seed);
        }
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return Network.of(net);
    }

    /** The length of the flat parameter vector, computed from the configuration without allocating it. */
    public int numParameters() {
        return Math.toIntExact(parameters);
    }

    /** As {@link #numParameters()}, as a long: never overflows, for size checks. */
    public long parameterCount() {
        return parameters;
    }

    /** Width of the input the network expects: must equal the dataset's {@code numFeatures()}. */
    public int numInputs() {
        return inputs;
    }

    /** Number of output classes: must equal the dataset's {@code numClasses()}. */
    public int numClasses() {
        return classes;
    }

    /** The layers in order (a graph's in topological order), e.g. for DP-SGD's checks. */
    public List<Layer> layers() {
        var out = new ArrayList<Layer>();
        layerConfs().forEach(c -> out.add(c.layer().getLayer()));
        return out;
    }

    /**
     * The model in a few lines, for the site's admin reviewing a study: the form, then one line per
     * layer or vertex with its inputs, shape and activation, then the parameter count.
     */
    public List<String> summary() {
        var lines = new ArrayList<String>();
        lines.add((graph != null ? "ComputationGraph" : "MultiLayerNetwork") + ": " + inputs + " inputs, " + classes
                + " classes, " + parameters + " parameters");
        if (graph != null) {
            Map<String, List<String>> inputsOf = graph.getVertexInputs();
            for (String name : graph.getTopologicalOrderStr() == null
                    ? List.copyOf(graph.getVertices().keySet())
                    : graph.getTopologicalOrderStr()) {
                GraphVertex v = graph.getVertices().get(name);
                if (v == null) {
                    continue; // the network input
                }
                lines.add("  " + name + " <- " + inputsOf.get(name) + ": "
                        + (v instanceof LayerVertex lv
                                ? describe(lv.getLayerConf().getLayer())
                                : v.toString()));
            }
        } else {
            int i = 0;
            for (NeuralNetConfiguration c : multiLayer.getConfs()) {
                lines.add("  " + i++ + ": " + describe(c.getLayer()));
            }
        }
        return lines;
    }

    private static String describe(Layer layer) {
        var s = new StringBuilder(layer.getClass().getSimpleName());
        if (layer instanceof FeedForwardLayer ff) {
            s.append(" ").append(ff.getNIn()).append(" -> ").append(ff.getNOut());
        }
        if (layer instanceof ConvolutionLayer conv) {
            s.append(", kernel ").append(java.util.Arrays.toString(conv.getKernelSize()));
        }
        if (layer instanceof BaseLayer base && base.getActivationFn() != null) {
            s.append(", ").append(base.getActivationFn());
        }
        return s.toString();
    }

    private record Placed(String where, NeuralNetConfiguration layer, InputPreProcessor preProcessor) {}

    private List<Placed> layerConfs() {
        return layerConfs(multiLayer, graph);
    }

    private static List<Placed> layerConfs(MultiLayerConfiguration multiLayer, ComputationGraphConfiguration graph) {
        var out = new ArrayList<Placed>();
        if (graph != null) {
            for (var e : graph.getVertices().entrySet()) {
                if (e.getValue() instanceof LayerVertex lv) {
                    out.add(new Placed("vertex '" + e.getKey() + "'", lv.getLayerConf(), lv.getPreProcessor()));
                }
            }
        } else {
            for (int i = 0; i < multiLayer.getConfs().size(); i++) {
                out.add(new Placed("layer " + i, multiLayer.getConf(i), multiLayer.getInputPreProcess(i)));
            }
        }
        return out;
    }

    private long countParameters() {
        long total = 0;
        for (Placed p : layerConfs()) {
            Layer layer = p.layer().getLayer();
            if (layer instanceof FeedForwardLayer ff) {
                double bound = (double) ff.getNIn() * ff.getNOut() + ff.getNOut();
                if (layer instanceof ConvolutionLayer conv) {
                    for (int k : conv.getKernelSize()) {
                        bound *= Math.max(1, k);
                    }
                }
                if (ff.getNIn() < 0 || ff.getNOut() < 0 || bound > MAX_COUNTABLE_PARAMETERS) {
                    throw new IllegalArgumentException(p.where() + " ("
                            + layer.getClass().getSimpleName() + ", "
                            + ff.getNIn() + " -> " + ff.getNOut() + ") has about " + String.format("%.3g", bound)
                            + " parameters, far above any limit");
                }
            }
            total += layer.initializer().numParams(p.layer());
            if (total > MAX_COUNTABLE_PARAMETERS) {
                throw new IllegalArgumentException("the model has more than 2^52 parameters, far above any limit");
            }
        }
        return total;
    }

    // The input width a feed-forward table row must have for this layer: a CNN's reshape, else nIn.
    private static long widthFor(Placed p) {
        if (p.preProcessor() instanceof FeedForwardToCnnPreProcessor cnn) {
            return cnn.getInputHeight() * cnn.getInputWidth() * cnn.getNumChannels();
        }
        if (p.preProcessor() == null
                && p.layer().getLayer() instanceof FeedForwardLayer ff
                && !(ff instanceof ConvolutionLayer)) {
            return ff.getNIn();
        }
        throw new IllegalArgumentException(
                p.where() + " (" + p.layer().getLayer().getClass().getSimpleName()
                        + ") reads the table row directly, so it must be a dense layer, or a convolution behind a"
                        + " FeedForwardToCnnPreProcessor that says the row's height, width and channels");
    }

    private long structuralInputs() {
        return inputWidth(multiLayer, graph);
    }

    /** The width of a table row the network reads (for a CNN, height × width × channels of its reshape). */
    static long inputWidth(MultiLayerConfiguration multiLayer, ComputationGraphConfiguration graph) {
        if (graph == null) {
            return widthFor(layerConfs(multiLayer, null).get(0));
        }
        String input = graph.getNetworkInputs().get(0);
        Set<Long> widths = new java.util.TreeSet<>();
        for (var e : graph.getVertexInputs().entrySet()) {
            if (e.getValue().contains(input)) {
                if (!(graph.getVertices().get(e.getKey()) instanceof LayerVertex lv)) {
                    throw new IllegalArgumentException("vertex '" + e.getKey() + "' reads the network input '" + input
                            + "' directly; only layers may read it (put a dense layer first)");
                }
                widths.add(
                        widthFor(new Placed("vertex '" + e.getKey() + "'", lv.getLayerConf(), lv.getPreProcessor())));
            }
        }
        if (widths.size() != 1) {
            throw new IllegalArgumentException(
                    widths.isEmpty()
                            ? "no layer reads the network input '" + input + "'"
                            : "the layers that read the network input expect different widths " + widths);
        }
        return widths.iterator().next();
    }

    private int structuralClasses() {
        return outputClasses(multiLayer, graph);
    }

    /** The classes the network's output layer predicts; throws unless it is a softmax classifier. */
    static int outputClasses(MultiLayerConfiguration multiLayer, ComputationGraphConfiguration graph) {
        Placed last;
        if (graph == null) {
            last = layerConfs(multiLayer, null).get(multiLayer.getConfs().size() - 1);
        } else {
            String output = graph.getNetworkOutputs().get(0);
            if (!(graph.getVertices().get(output) instanceof LayerVertex lv)) {
                throw new IllegalArgumentException("the network output '" + output + "' must be an OutputLayer");
            }
            last = new Placed("vertex '" + output + "'", lv.getLayerConf(), lv.getPreProcessor());
        }
        if (!(last.layer().getLayer() instanceof OutputLayer out)) {
            throw new IllegalArgumentException("the last layer (" + last.where() + ") is a "
                    + last.layer().getLayer().getClass().getSimpleName() + "; a classification model must end with"
                    + " an OutputLayer");
        }
        if (hazards(out) || value(out)) {
            return Math.toIntExact(out.getNOut());
        }
        if (!(out.getActivationFn() instanceof ActivationSoftmax)
                || !(out.getLossFn() instanceof LossMCXENT || out.getLossFn() instanceof LossNegativeLogLikelihood)) {
            throw new IllegalArgumentException("the output layer (" + last.where() + ") has activation "
                    + out.getActivationFn() + " and loss " + out.getLossFn() + "; a study's model predicts class"
                    + " probabilities: use softmax with MCXENT (cross-entropy) or NEGATIVELOGLIKELIHOOD (or, for a"
                    + " survival study, per-interval hazards: sigmoid with XENT; for a regression study, one identity"
                    + " output with MSE)");
        }
        return Math.toIntExact(out.getNOut());
    }

    /**
     * Whether an output layer predicts the per-interval hazards of a discrete-time survival model:
     * sigmoid outputs with unweighted binary cross-entropy (XENT), trained with a label mask.
     */
    public static boolean hazards(OutputLayer out) {
        return out.getActivationFn() instanceof org.nd4j.linalg.activations.impl.ActivationSigmoid
                && out.getLossFn() instanceof org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT loss
                && loss.getWeights() == null;
    }

    /** Whether this model's output is per-interval hazards (a survival model) rather than class probabilities. */
    public boolean predictsHazards() {
        return layers().getLast() instanceof OutputLayer out && hazards(out);
    }

    /**
     * Whether an output layer predicts one value of a regression study: a single identity output with
     * unweighted mean squared error (MSE), trained on the label scaled to [0, 1] by the declared range.
     */
    public static boolean value(OutputLayer out) {
        return out.getNOut() == 1
                && out.getActivationFn() instanceof org.nd4j.linalg.activations.impl.ActivationIdentity
                && out.getLossFn() instanceof org.nd4j.linalg.lossfunctions.impl.LossMSE loss
                && loss.getWeights() == null;
    }

    /** Whether this model predicts one value (a regression model) rather than class probabilities. */
    public boolean predictsValue() {
        return layers().getLast() instanceof OutputLayer out && value(out);
    }

    /** Values one example holds in a forward pass: every layer's output, plus each convolution's im2col buffer. */
    private long activationsPerExample() {
        InputType in = InputType.feedForward(inputs);
        long total = inputs;
        try {
            if (graph != null) {
                Map<String, InputType> types = graph.clone().getLayerActivationTypes(in);
                Map<String, List<String>> inputsOf = graph.getVertexInputs();
                for (var e : types.entrySet()) {
                    total = Math.addExact(total, e.getValue().arrayElementsPerExample());
                    if (graph.getVertices().get(e.getKey()) instanceof LayerVertex lv
                            && lv.getLayerConf().getLayer() instanceof ConvolutionLayer conv) {
                        InputType input = types.get(inputsOf.get(e.getKey()).get(0));
                        total = Math.addExact(total, unfolded(conv, input, e.getValue(), lv.getPreProcessor()));
                    }
                }
            } else {
                MultiLayerConfiguration conf = multiLayer.clone();
                List<InputType> types = conf.getLayerActivationTypes(in);
                InputType previous = in;
                for (int i = 0; i < types.size(); i++) {
                    total = Math.addExact(total, types.get(i).arrayElementsPerExample());
                    if (conf.getConf(i).getLayer() instanceof ConvolutionLayer conv) {
                        total = Math.addExact(
                                total, unfolded(conv, previous, types.get(i), conf.getInputPreProcess(i)));
                    }
                    previous = types.get(i);
                }
            }
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("the layers' shapes do not fit together: " + e.getMessage(), e);
        }
        return total;
    }

    // im2col: kernel height × width × input channels per output position.
    private static long unfolded(ConvolutionLayer conv, InputType input, InputType output, InputPreProcessor pre) {
        InputType in = pre == null ? input : pre.getOutputType(input);
        long channels = in instanceof InputType.InputTypeConvolutional c ? c.getChannels() : conv.getNIn();
        long positions = output instanceof InputType.InputTypeConvolutional c ? c.getHeight() * c.getWidth() : 1;
        long kernel = 1;
        for (int k : conv.getKernelSize()) {
            kernel = Math.multiplyExact(kernel, Math.max(1, k));
        }
        return Math.multiplyExact(Math.multiplyExact(kernel, channels), positions);
    }

    /**
     * Parses {@code json} into a {@link MultiLayerConfiguration} or {@link
     * ComputationGraphConfiguration} after {@link ModelAllowList#scan}, and checks every layer,
     * vertex and pre-processor against the allow-list.
     */
    static Object parse(String json) {
        Set<String> topLevel = ModelAllowList.scan(json);
        boolean isGraph = topLevel.contains("vertices");
        if (!isGraph && !topLevel.contains("confs")) {
            throw new IllegalArgumentException("not a DL4J model configuration: a MultiLayerConfiguration JSON has"
                    + " \"confs\", a ComputationGraphConfiguration JSON \"vertices\" (write one with DL4J's"
                    + " toJson(), or start from ModelPreset.configJson)");
        }
        Nd4jRuntime.ensureInitialised();
        Object conf;
        try {
            conf = isGraph ? ComputationGraphConfiguration.fromJson(json) : MultiLayerConfiguration.fromJson(json);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    "not a DL4J " + (isGraph ? "ComputationGraph" : "MultiLayer") + "Configuration JSON: "
                            + rootMessage(e),
                    e);
        }
        var problems = new ArrayList<String>();
        if (conf instanceof MultiLayerConfiguration m) {
            if (m.getConfs() == null || m.getConfs().isEmpty()) {
                throw new IllegalArgumentException("the model configuration has no layers");
            }
            if (m.getConfs().size() > MAX_LAYERS) {
                throw new IllegalArgumentException(
                        "the model has " + m.getConfs().size() + " layers, above the" + " limit of " + MAX_LAYERS);
            }
            for (int i = 0; i < m.getConfs().size(); i++) {
                problems.add(
                        ModelAllowList.layerProblem("layer " + i, m.getConf(i).getLayer()));
                if (m.getInputPreProcess(i) != null) {
                    problems.add(ModelAllowList.preProcessorProblem("layer " + i, m.getInputPreProcess(i)));
                }
            }
        } else {
            var g = (ComputationGraphConfiguration) conf;
            if (g.getVertices() == null || g.getVertices().isEmpty()) {
                throw new IllegalArgumentException("the model configuration has no vertices");
            }
            if (g.getVertices().size() > MAX_LAYERS) {
                throw new IllegalArgumentException(
                        "the model has " + g.getVertices().size() + " vertices, above the" + " limit of " + MAX_LAYERS);
            }
            if (g.getNetworkInputs().size() != 1 || g.getNetworkOutputs().size() != 1) {
                throw new IllegalArgumentException("a study's ComputationGraph must have one input and one output,"
                        + " has inputs " + g.getNetworkInputs() + " and outputs " + g.getNetworkOutputs());
            }
            for (var e : g.getVertices().entrySet()) {
                String where = "vertex '" + e.getKey() + "'";
                problems.add(ModelAllowList.vertexProblem(where, e.getValue()));
                if (e.getValue() instanceof LayerVertex lv) {
                    problems.add(
                            ModelAllowList.layerProblem(where, lv.getLayerConf().getLayer()));
                }
            }
            try {
                g.validate(false, false);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("the graph is not valid: " + rootMessage(e), e);
            }
        }
        problems.removeIf(Objects::isNull);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        return conf;
    }

    /** The innermost cause's message, at most 300 characters: DL4J's reason, without its wrappers. */
    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return m.length() > 300 ? m.substring(0, 300) + "..." : m;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelSpec other && other.configJson.equals(configJson);
    }

    @Override
    public int hashCode() {
        return configJson.hashCode();
    }

    @Override
    public String toString() {
        return "ModelSpec[" + (graph != null ? "graph" : "multilayer") + ", " + parameters + " parameters]";
    }
}
