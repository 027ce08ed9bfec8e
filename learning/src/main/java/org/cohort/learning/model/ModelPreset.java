package org.cohort.learning.model;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.cohort.learning.Nd4jRuntime;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * The model families a study can choose for tabular data, each rendered as a DL4J configuration.
 *
 * <p>The configuration JSON, not the preset, is what travels inside a study: a site rebuilds
 * the network from JSON alone (see {@link ModelSpec}), so a preset may change later without
 * changing what an existing study trains.
 */
public sealed interface ModelPreset permits ModelPreset.LogisticRegression, ModelPreset.Mlp {

    /** Multinomial logistic regression: one softmax output layer, cross-entropy loss. */
    static ModelPreset logisticRegression() {
        return new LogisticRegression();
    }

    /** A multilayer perceptron with ReLU hidden layers of the given widths and a softmax output. */
    static ModelPreset mlp(int... hidden) {
        Objects.requireNonNull(hidden, "hidden");
        return new Mlp(Arrays.stream(hidden).boxed().toList());
    }

    /** The hidden-layer widths, empty for logistic regression. */
    List<Integer> hiddenLayers();

    /**
     * A DL4J {@link MultiLayerConfiguration} as JSON, with the plan's optimiser, learning rate and
     * seed baked in. Weight initialisation is He (ReLU) for hidden layers and Xavier for the output.
     *
     * @param numInputs width of the encoded feature vector ({@code TabularSchema.numEncodedFeatures()})
     * @param numClasses number of label classes, at least 2 (2 for a binary outcome)
     */
    default String configJson(int numInputs, int numClasses, TrainingPlan plan) {
        return configJson(numInputs, numClasses, plan, false);
    }

    /**
     * The configuration of a discrete-time survival model: the same hidden layers, and an output of
     * one sigmoid hazard per interval with binary cross-entropy (XENT), which training masks so that
     * each patient's loss is the negative log-likelihood of its own time and event.
     *
     * @param intervals the study's number of time intervals, at least 2
     */
    default String survivalConfigJson(int numInputs, int intervals, TrainingPlan plan) {
        return configJson(numInputs, intervals, plan, true);
    }

    /**
     * The configuration of a regression model: the same hidden layers, and one identity output with
     * mean squared error (MSE), trained on the label scaled to [0, 1] by the study's declared range.
     */
    default String regressionConfigJson(int numInputs, TrainingPlan plan) {
        return configJson(numInputs, 1, plan, LossFunction.MSE, Activation.IDENTITY);
    }

    private String configJson(int numInputs, int numClasses, TrainingPlan plan, boolean hazards) {
        return hazards
                ? configJson(numInputs, numClasses, plan, LossFunction.XENT, Activation.SIGMOID)
                : configJson(numInputs, numClasses, plan, LossFunction.MCXENT, Activation.SOFTMAX);
    }

    private String configJson(
            int numInputs, int numClasses, TrainingPlan plan, LossFunction loss, Activation activation) {
        if (numInputs < 1) {
            throw new IllegalArgumentException("numInputs must be at least 1, was " + numInputs);
        }
        if (numClasses < 2 && loss != LossFunction.MSE) {
            throw new IllegalArgumentException(
                    "numClasses must be at least 2 (a binary outcome has 2 classes), was " + numClasses);
        }
        Objects.requireNonNull(plan, "plan");
        Nd4jRuntime.ensureInitialised();
        NeuralNetConfiguration.ListBuilder layers = new NeuralNetConfiguration.Builder()
                .seed(plan.seed())
                .dataType(DataType.FLOAT)
                .updater(Updaters.of(plan.optimizer(), plan.learningRate()))
                .list();
        int in = numInputs;
        int index = 0;
        for (int width : hiddenLayers()) {
            layers.layer(
                    index++,
                    new DenseLayer.Builder()
                            .nIn(in)
                            .nOut(width)
                            .activation(Activation.RELU)
                            .weightInit(WeightInit.RELU)
                            .build());
            in = width;
        }
        layers.layer(
                index,
                new OutputLayer.Builder(loss)
                        .nIn(in)
                        .nOut(numClasses)
                        .activation(activation)
                        .weightInit(WeightInit.XAVIER)
                        .build());
        return layers.build().toJson();
    }

    /** See {@link ModelPreset#logisticRegression()}. */
    record LogisticRegression() implements ModelPreset {
        @Override
        public List<Integer> hiddenLayers() {
            return List.of();
        }
    }

    /** See {@link ModelPreset#mlp(int...)}. */
    record Mlp(List<Integer> hiddenLayers) implements ModelPreset {
        public Mlp {
            hiddenLayers = List.copyOf(hiddenLayers);
            if (hiddenLayers.isEmpty()) {
                throw new IllegalArgumentException(
                        "an MLP needs at least one hidden layer; use ModelPreset.logisticRegression() for none");
            }
            for (int width : hiddenLayers) {
                if (width < 1) {
                    throw new IllegalArgumentException("hidden layer widths must be at least 1, were " + hiddenLayers);
                }
            }
        }
    }
}
