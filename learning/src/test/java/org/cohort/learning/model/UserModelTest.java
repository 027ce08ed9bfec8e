package org.cohort.learning.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.cohort.learning.data.TabularDataset;
import org.cohort.learning.train.Evaluator;
import org.cohort.learning.train.Fixtures;
import org.cohort.learning.train.LocalTrainer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/** A study's own DL4J configuration: what is built and trained, and what is refused before anything is. */
class UserModelTest {
    static final TrainingPlan ADAM = new TrainingPlan(5, 16, Optimizer.ADAM, 0.01, 5);

    @Test
    void residualGraphTrainsEvaluatesAndReplaysExactly() {
        ModelSpec spec = new ModelSpec(UserModels.residualGraph(6, 8, 2));
        assertThat(spec.isGraph()).isTrue();
        assertThat(spec.numInputs()).isEqualTo(6);
        assertThat(spec.numClasses()).isEqualTo(2);
        assertThat(spec.numParameters()).isEqualTo(6 * 8 + 8 + 8 * 8 + 8 + 8 * 2 + 2);

        TabularDataset train = Fixtures.blobs(300, 6, 1);
        TabularDataset test = Fixtures.blobs(200, 6, 2);
        Network net = spec.build();
        assertThat(net.numParams()).isEqualTo(spec.numParameters());
        float[] initial = ParameterVectors.read(net);
        LocalTrainer.train(net, train, ADAM);
        float[] once = ParameterVectors.read(net);
        assertThat(Evaluator.evaluate(net, test).accuracy()).isGreaterThan(0.8);

        // A fresh optimiser every round: the same parameters, data and plan give the same result.
        ParameterVectors.write(net, initial);
        LocalTrainer.train(net, train, ADAM);
        assertThat(ParameterVectors.read(net)).containsExactly(once);

        float[] seeded = ParameterVectors.initialParameters(spec.configJson(), 9);
        assertThat(seeded).hasSize(spec.numParameters());
        assertThat(ParameterVectors.initialParameters(spec.configJson(), 9)).containsExactly(seeded);
        assertThat(ParameterVectors.initialParameters(spec.configJson(), 10)).isNotEqualTo(seeded);
    }

    @Test
    void theReadmeExampleIsAResidualMlpForHeartDisease() throws Exception {
        ModelSpec spec = new ModelSpec(UserModels.readmeResidualMlp());
        assertThat(spec.numInputs()).isEqualTo(15);
        assertThat(spec.numClasses()).isEqualTo(2);
        assertThat(spec.numParameters()).isEqualTo(15 * 16 + 16 + 16 * 16 + 16 + 16 * 2 + 2);
        assertThat(String.join("\n", spec.summary()))
                .contains("ComputationGraph: 15 inputs, 2 classes, 562 parameters")
                .contains("residual <- [hidden, block]")
                .contains("out <- [residual]: OutputLayer 16 -> 2");
        assertThat(new ModelSpec(spec.normalisedJson()).numParameters()).isEqualTo(562);
    }

    @Test
    void aCnnReadsTableRowsAsImages() {
        ModelSpec spec = new ModelSpec(UserModels.cnn(6, 4, 2));
        assertThat(spec.numInputs()).isEqualTo(36);
        Network net = spec.build();
        LocalTrainer.train(net, Fixtures.blobs(200, 36, 1), ADAM);
        assertThat(Evaluator.evaluate(net, Fixtures.blobs(100, 36, 2)).accuracy())
                .isGreaterThan(0.8);
    }

    @Test
    void aClassNameOutsideTheAllowListIsRefusedBeforeDl4jLoadsIt() {
        String json = UserModels.residualGraph(6, 8, 2);
        assertThatThrownBy(() -> new ModelSpec(
                        json.replace("org.deeplearning4j.nn.conf.layers.DenseLayer", "com.example.Gadget")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("names class 'com.example.Gadget', which is not a supported layer");
        assertThatThrownBy(() -> new ModelSpec(json.replace(
                        "org.deeplearning4j.nn.conf.layers.DenseLayer", BatchNormalization.class.getName())))
                .hasMessageContaining("'" + BatchNormalization.class.getName() + "'")
                .hasMessageContaining("supported layers: [ActivationLayer, ConvolutionLayer, DenseLayer");
        // Jackson's other way of naming a class: a [name, value] array.
        assertThatThrownBy(() -> new ModelSpec("{\"confs\": [\"java.lang.ProcessBuilder\", {}]}"))
                .hasMessageContaining("array mixing strings with objects");
        assertThatThrownBy(() -> new ModelSpec(json.replace(
                        "\"@class\" : \"org.nd4j.linalg.activations.impl.ActivationReLU\"",
                        "\"@class\" : \"org.nd4j.linalg.activations.impl.sub.ActivationReLU\"")))
                .hasMessageContaining("not a supported layer");
        // A type id that is not one string, or spelt in another case, is not read past.
        assertThatThrownBy(() -> new ModelSpec(json.replaceFirst(
                        "\"@class\" : \"org.deeplearning4j.nn.conf.layers.DenseLayer\"",
                        "\"@class\" : [\"java.lang.ProcessBuilder\"]")))
                .hasMessageContaining("must be one class name");
        assertThatThrownBy(() -> new ModelSpec(json.replaceFirst(
                        "\"@class\" : \"org.deeplearning4j.nn.conf.layers.DenseLayer\"",
                        "\"@CLASS\" : \"com.example.Gadget\"")))
                .hasMessageContaining("names class 'com.example.Gadget'");
    }

    @Test
    void malformedJsonAndOtherDocumentsAreRefusedInWords() {
        assertThatThrownBy(() -> new ModelSpec("{\"confs\": [")).hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> new ModelSpec("[1, 2]")).hasMessageContaining("must be a JSON object");
        assertThatThrownBy(() -> new ModelSpec("{\"layers\": []}"))
                .hasMessageContaining("a MultiLayerConfiguration JSON has \"confs\"");
        assertThatThrownBy(() -> new ModelSpec("{\"confs\": \"x\"}"))
                .hasMessageContaining("not a DL4J MultiLayerConfiguration JSON");
        assertThatThrownBy(() -> new ModelSpec("{\"a\":".repeat(40) + "1" + "}".repeat(40)))
                .hasMessageContaining("nests deeper than");
    }

    @Test
    void aModelTooLargeToCountIsRefusedWithoutAllocatingIt() {
        assertThatThrownBy(() -> new ModelSpec(UserModels.residualGraph(6, 1_000_000_000, 2)))
                .hasMessageContaining("far above any limit");
        // Countable, but above an int: the coordinator's limit refuses it with the number.
        ModelSpec wide = new ModelSpec(UserModels.residualGraph(6, 100_000, 2));
        assertThat(wide.parameterCount())
                .isEqualTo(6L * 100_000 + 100_000 + 100_000L * 100_000 + 100_000 + 200_000 + 2);
    }

    @Test
    void aModelWhoseActivationsWouldExhaustASiteIsRefused() {
        assertThatThrownBy(() -> new ModelSpec(UserModels.cnn(64, 100_000, 2)))
                .hasMessageContaining("one example's forward pass")
                .hasMessageContaining("above the limit of " + ModelSpec.MAX_ACTIVATIONS_PER_EXAMPLE);
    }

    @Test
    void outputsAndShapesMustMakeAClassifier() {
        String sigmoid = new NeuralNetConfiguration.Builder()
                .list()
                .layer(new OutputLayer.Builder(LossFunction.MSE)
                        .nIn(4)
                        .nOut(2)
                        .activation(Activation.SIGMOID)
                        .build())
                .build()
                .toJson();
        assertThatThrownBy(() -> new ModelSpec(sigmoid)).hasMessageContaining("use softmax with MCXENT");
        String mismatched = twoBranchesAdded(new String[] {"in"}, "a", 8, 4);
        // Counted and shaped from the configuration alone it passes; one probing pass shows the mismatch.
        ModelSpec parsed = new ModelSpec(mismatched);
        assertThatThrownBy(parsed::probe)
                .hasMessageContaining("one forward and backward pass of a row of 4 zeros failed");
        new ModelSpec(UserModels.residualGraph(6, 8, 2)).probe();
        String twoInputs = twoBranchesAdded(new String[] {"x", "y"}, "y", 4, 8);
        assertThatThrownBy(() -> new ModelSpec(twoInputs)).hasMessageContaining("one input and one output");
    }

    /** Dense 4→8 from the first input, dense {@code bIn}→{@code bOut} from {@code bInput}, added, softmax. */
    private static String twoBranchesAdded(String[] inputs, String bInput, long bIn, long bOut) {
        return new NeuralNetConfiguration.Builder()
                .graphBuilder()
                .addInputs(inputs)
                .addLayer("a", UserModels.dense(4, 8), inputs[0])
                .addLayer("b", UserModels.dense(bIn, bOut), bInput)
                .addVertex("sum", new ElementWiseVertex(ElementWiseVertex.Op.Add), "a", "b")
                .addLayer("out", UserModels.output(8, 2), "sum")
                .setOutputs("out")
                .build()
                .toJson();
    }
}
