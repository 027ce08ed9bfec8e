package org.cohort.learning.model;

import java.util.Objects;
import org.cohort.learning.Nd4jRuntime;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * A model as a study carries it: a DL4J {@link MultiLayerConfiguration} JSON, from which any
 * party rebuilds the same network architecture.
 *
 * <p>The JSON is parsed once here so that a malformed configuration is rejected when the spec
 * is created (at study creation or when a site receives it), not in the middle of a round.
 */
public record ModelSpec(String configJson) {

    public ModelSpec {
        Objects.requireNonNull(configJson, "configJson");
        parse(configJson);
    }

    /** A new, initialised network (parameters from the configuration's seed). */
    public MultiLayerNetwork newNetwork() {
        MultiLayerNetwork net = new MultiLayerNetwork(parse(configJson));
        net.init();
        return net;
    }

    /** The length of the flat parameter vector, computed from the configuration without allocating it. */
    public int numParameters() {
        MultiLayerConfiguration conf = parse(configJson);
        long total = 0;
        for (NeuralNetConfiguration layerConf : conf.getConfs()) {
            total += layerConf.getLayer().initializer().numParams(layerConf);
        }
        return Math.toIntExact(total);
    }

    /** Width of the input the network expects: must equal the dataset's {@code numFeatures()}. */
    public int numInputs() {
        return (int)
                feedForward(parse(configJson).getConf(0).getLayer(), "first").getNIn();
    }

    /** Number of output classes: must equal the dataset's {@code numClasses()}. */
    public int numClasses() {
        MultiLayerConfiguration conf = parse(configJson);
        return (int) feedForward(conf.getConf(conf.getConfs().size() - 1).getLayer(), "last")
                .getNOut();
    }

    private static FeedForwardLayer feedForward(Layer layer, String which) {
        if (layer instanceof FeedForwardLayer ff) {
            return ff;
        }
        throw new IllegalStateException(
                "the " + which + " layer is a " + layer.getClass().getSimpleName()
                        + ", not a feed-forward layer; tabular models must start and end with dense/output layers");
    }

    static MultiLayerConfiguration parse(String json) {
        Nd4jRuntime.ensureInitialised();
        MultiLayerConfiguration conf;
        try {
            conf = MultiLayerConfiguration.fromJson(json);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    "not a DL4J MultiLayerConfiguration JSON (create one with ModelPreset.configJson): "
                            + e.getMessage(),
                    e);
        }
        if (conf.getConfs() == null || conf.getConfs().isEmpty()) {
            throw new IllegalArgumentException("the model configuration has no layers");
        }
        return conf;
    }
}
