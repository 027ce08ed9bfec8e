package org.cohort.learning.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * A study's network, whichever form its configuration takes: a DL4J {@link MultiLayerNetwork}
 * (the presets) or a {@link ComputationGraph} with one input and one output (user-supplied models
 * with residual connections). Training, evaluation and DP-SGD work on this type, so both forms
 * travel, train and are measured the same way; parameters are the network's flat vector in both.
 */
public final class Network {
    private final MultiLayerNetwork multiLayer;
    private final ComputationGraph graph;

    private Network(MultiLayerNetwork multiLayer, ComputationGraph graph) {
        this.multiLayer = multiLayer;
        this.graph = graph;
    }

    public static Network of(MultiLayerNetwork net) {
        return new Network(Objects.requireNonNull(net, "net"), null);
    }

    /** A graph with exactly one input and one output (the form a tabular study trains). */
    public static Network of(ComputationGraph graph) {
        Objects.requireNonNull(graph, "graph");
        if (graph.getConfiguration().getNetworkInputs().size() != 1
                || graph.getConfiguration().getNetworkOutputs().size() != 1) {
            throw new IllegalArgumentException("a study's ComputationGraph must have one input and one output, has "
                    + graph.getConfiguration().getNetworkInputs() + " and "
                    + graph.getConfiguration().getNetworkOutputs());
        }
        return new Network(null, graph);
    }

    /** The multilayer network, when this is one (the vectorised DP-SGD paths need its layer order). */
    public Optional<MultiLayerNetwork> multiLayer() {
        return Optional.ofNullable(multiLayer);
    }

    /** The computation graph, when this is one. */
    public Optional<ComputationGraph> graph() {
        return Optional.ofNullable(graph);
    }

    /** The DL4J model itself, for what both forms share (listeners, gradients, parameters). */
    public org.deeplearning4j.nn.api.Model dl4j() {
        return multiLayer != null ? multiLayer : graph;
    }

    /** The training listeners now attached (a copy). */
    public java.util.List<org.deeplearning4j.optimize.api.TrainingListener> listeners() {
        var attached = multiLayer != null ? multiLayer.getListeners() : graph.getListeners();
        return attached == null ? java.util.List.of() : java.util.List.copyOf(attached);
    }

    /** Adds a training listener, keeping those attached. */
    public void addListener(org.deeplearning4j.optimize.api.TrainingListener listener) {
        if (multiLayer != null) {
            multiLayer.addListeners(listener);
        } else {
            graph.addListeners(listener);
        }
    }

    /** Replaces the training listeners. */
    public void setListeners(java.util.Collection<org.deeplearning4j.optimize.api.TrainingListener> listeners) {
        if (multiLayer != null) {
            multiLayer.setListeners(listeners);
        } else {
            graph.setListeners(listeners);
        }
    }

    /** The flat parameter vector (a view: writing it changes the network). */
    public INDArray params() {
        return multiLayer != null ? multiLayer.params() : graph.params();
    }

    public long numParams() {
        return multiLayer != null ? multiLayer.numParams() : graph.numParams();
    }

    /** The width of the table row the network reads. */
    public long numInputs() {
        return multiLayer != null
                ? ModelSpec.inputWidth(multiLayer.getLayerWiseConfigurations(), null)
                : ModelSpec.inputWidth(null, graph.getConfiguration());
    }

    /** The classes the network predicts. */
    public int numClasses() {
        return multiLayer != null
                ? ModelSpec.outputClasses(multiLayer.getLayerWiseConfigurations(), null)
                : ModelSpec.outputClasses(null, graph.getConfiguration());
    }

    /** Whether the network outputs per-interval hazards (a survival model) rather than class probabilities. */
    public boolean predictsHazards() {
        var all = layers();
        return !all.isEmpty()
                && all.getLast() instanceof org.deeplearning4j.nn.conf.layers.OutputLayer out
                && ModelSpec.hazards(out);
    }

    /** Whether the network outputs one value (a regression model) rather than class probabilities. */
    public boolean predictsValue() {
        var all = layers();
        return !all.isEmpty()
                && all.getLast() instanceof org.deeplearning4j.nn.conf.layers.OutputLayer out
                && ModelSpec.value(out);
    }

    /** One optimiser step on {@code batch}. */
    public void fit(DataSet batch) {
        if (multiLayer != null) {
            multiLayer.fit(batch);
        } else {
            graph.fit(batch);
        }
    }

    /** The mean loss of the last fit or gradient computation. */
    public double score() {
        return multiLayer != null ? multiLayer.score() : graph.score();
    }

    /** Class probabilities for each row of {@code features}, in inference mode (no dropout). */
    public INDArray output(INDArray features) {
        return multiLayer != null ? multiLayer.output(features, false) : graph.outputSingle(false, features);
    }

    /**
     * The gradient of the mean loss of {@code features}/{@code labels} in the flat parameter
     * layout, computed in training mode; {@link #score()} is then that loss.
     */
    public float[] gradient(INDArray features, INDArray labels) {
        return gradient(features, labels, null);
    }

    /**
     * As {@link #gradient(INDArray, INDArray)} with a label mask (null for none): a survival model's
     * targets count only where the mask is 1.
     */
    public float[] gradient(INDArray features, INDArray labels, INDArray labelMask) {
        if (multiLayer != null) {
            multiLayer.setInput(features);
            multiLayer.setLabels(labels);
            multiLayer.setLayerMaskArrays(null, labelMask);
            multiLayer.computeGradientAndScore();
            return multiLayer.gradient().gradient().toFloatVector();
        }
        graph.setInputs(features);
        graph.setLabels(labels);
        graph.setLayerMaskArrays(null, labelMask == null ? null : new INDArray[] {labelMask});
        graph.computeGradientAndScore();
        return graph.gradient().gradient().toFloatVector();
    }

    /** Drops the inputs, labels and activations kept from the last pass. */
    public void clear() {
        if (multiLayer != null) {
            multiLayer.clear();
        } else {
            graph.clear();
        }
    }

    /** The configuration of every layer, in the multilayer order or the graph's topological order. */
    public List<Layer> layers() {
        var out = new ArrayList<Layer>();
        for (NeuralNetConfiguration conf : layerConfs()) {
            out.add(conf.getLayer());
        }
        return out;
    }

    private List<NeuralNetConfiguration> layerConfs() {
        if (multiLayer != null) {
            return multiLayer.getLayerWiseConfigurations().getConfs();
        }
        var out = new ArrayList<NeuralNetConfiguration>();
        var vertices = graph.getConfiguration().getVertices();
        for (int index : graph.topologicalSortOrder()) {
            GraphVertex v = vertices.get(graph.getVertices()[index].getVertexName());
            if (v instanceof LayerVertex lv) {
                out.add(lv.getLayerConf());
            }
        }
        return out;
    }

    /**
     * Makes the next fit start a fresh optimiser: {@code updater} for every layer (weights and
     * biases), zero optimiser state and step count.
     */
    public void useFreshOptimiser(IUpdater updater) {
        for (NeuralNetConfiguration conf : layerConfs()) {
            if (conf.getLayer() instanceof BaseLayer layer) {
                layer.setIUpdater(updater.clone());
                layer.setBiasUpdater(null); // biases follow the same optimiser
            }
        }
        // A null updater is rebuilt from the layer configurations on the next fit, with zero state.
        if (multiLayer != null) {
            multiLayer.setUpdater(null);
            multiLayer.setIterationCount(0);
            multiLayer.setEpochCount(0);
        } else {
            graph.setUpdater(null);
            graph.getConfiguration().setIterationCount(0);
            graph.getConfiguration().setEpochCount(0);
        }
    }
}
