package org.cohort.learning.dp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Random;
import org.cohort.learning.data.TabularDataset;
import org.cohort.learning.model.ModelSpec;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/** The batched per-example gradients of small CNNs against DL4J's own backward pass, one example at a time. */
class ConvGradientsTest {

    record Case(String name, MultiLayerNetwork net, int side, int channels) {}

    static List<Case> cases() {
        return List.of(
                new Case(
                        "same conv relu, max-pool, dense tanh",
                        network(
                                8,
                                1,
                                new ConvolutionLayer.Builder(3, 3)
                                        .nOut(4)
                                        .convolutionMode(ConvolutionMode.Same)
                                        .activation(Activation.RELU)
                                        .build(),
                                new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
                                        .kernelSize(2, 2)
                                        .stride(2, 2)
                                        .build(),
                                new DenseLayer.Builder()
                                        .nOut(8)
                                        .activation(Activation.TANH)
                                        .build()),
                        8,
                        1),
                new Case(
                        "strided truncate conv, identity, avg-pool",
                        network(
                                9,
                                2,
                                new ConvolutionLayer.Builder(3, 3)
                                        .stride(2, 2)
                                        .nOut(3)
                                        .convolutionMode(ConvolutionMode.Truncate)
                                        .activation(Activation.IDENTITY)
                                        .build(),
                                new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.AVG)
                                        .kernelSize(2, 2)
                                        .stride(1, 1)
                                        .build()),
                        9,
                        2),
                new Case(
                        "two convolutions with padding, sigmoid, pool, dense relu",
                        network(
                                6,
                                3,
                                new ConvolutionLayer.Builder(3, 3)
                                        .padding(1, 1)
                                        .nOut(4)
                                        .activation(Activation.SIGMOID)
                                        .build(),
                                new ConvolutionLayer.Builder(2, 2)
                                        .nOut(5)
                                        .convolutionMode(ConvolutionMode.Same)
                                        .activation(Activation.RELU)
                                        .build(),
                                new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
                                        .kernelSize(2, 2)
                                        .stride(2, 2)
                                        .build(),
                                new DenseLayer.Builder()
                                        .nOut(6)
                                        .activation(Activation.RELU)
                                        .build()),
                        6,
                        3),
                new Case(
                        "identity conv, activation layer, global max pooling",
                        network(
                                7,
                                2,
                                new ConvolutionLayer.Builder(2, 2)
                                        .nOut(4)
                                        .activation(Activation.IDENTITY)
                                        .build(),
                                new org.deeplearning4j.nn.conf.layers.ActivationLayer.Builder()
                                        .activation(Activation.RELU)
                                        .build(),
                                new org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer.Builder(
                                                org.deeplearning4j.nn.conf.layers.PoolingType.MAX)
                                        .build()),
                        7,
                        2));
    }

    @Test
    void batchedConvolutionGradientsMatchTheLoopExampleByExample() {
        for (Case c : cases()) {
            TabularDataset batch = batch(20, c.side() * c.side() * c.channels(), 7);
            PerExampleGradients fast = PerExampleGradients.forNetwork(c.net(), 20);
            assertThat(fast).as(c.name()).isInstanceOf(ConvGradients.class);
            assertThat(fast.vectorised()).isTrue();
            // Per-example convolution gradients are held for a whole batch: a huge one takes the loop.
            assertThat(PerExampleGradients.forNetwork(c.net(), 1e7).slowPathReason())
                    .contains("per-example convolution gradients would hold about");
            // The batched engine first, on a network that never ran a backward pass (DL4J creates its
            // gradient views lazily).
            float[][] actual = fast.perExample(batch);
            PerExampleGradients loop = new LoopedGradients(c.net(), "reference");
            float[][] expected = loop.perExample(batch);
            for (int b = 0; b < expected.length; b++) {
                assertClose(actual[b], expected[b], c.name() + ", example " + b);
            }
            double clip = median(loop.clippedSum(batch, 1e9).norms());
            var loopSum = loop.clippedSum(batch, clip);
            var fastSum = fast.clippedSum(batch, clip);
            for (int b = 0; b < batch.size(); b++) {
                assertThat(fastSum.norms()[b])
                        .as("%s, norm %d", c.name(), b)
                        .isCloseTo(loopSum.norms()[b], within(1e-4 * (1 + loopSum.norms()[b])));
            }
            assertClose(fastSum.sum(), loopSum.sum(), c.name() + ", clipped sum");
            assertThat(fastSum.lossSum()).as(c.name()).isCloseTo(loopSum.lossSum(), within(1e-3));

            // After a step (parameters changed in place, as DP-SGD does), the same engine still agrees.
            c.net()
                    .params()
                    .addi(org.nd4j.linalg.factory.Nd4j.randn(
                                    DataType.FLOAT, c.net().params().shape())
                            .muli(0.3));
            var stepped = fast.clippedSum(batch, clip);
            var steppedLoop = loop.clippedSum(batch, clip);
            assertThat(stepped.lossSum()).as(c.name()).isNotCloseTo(fastSum.lossSum(), within(1e-6));
            assertClose(stepped.sum(), steppedLoop.sum(), c.name() + ", clipped sum after a step");
            assertThat(stepped.lossSum()).as(c.name()).isCloseTo(steppedLoop.lossSum(), within(1e-3));
        }
    }

    @Test
    void graphsWithResidualAdditionsMatchTheLoopToo() throws Exception {
        var graphs = List.of(
                new ModelSpec(java.nio.file.Files.readString(
                                java.nio.file.Path.of("..", "docs", "models", "image-residual-cnn.json")))
                        .build(),
                new ModelSpec(org.cohort.learning.model.UserModels.residualGraph(5, 6, 3)).build());
        List<Integer> widths = List.of(256, 5);
        for (int i = 0; i < graphs.size(); i++) {
            var net = graphs.get(i);
            TabularDataset batch = batch(16, widths.get(i), 3 + i);
            PerExampleGradients fast = PerExampleGradients.forNetwork(net, 16);
            assertThat(fast).as("graph %d", i).isInstanceOf(ConvGradients.class);
            float[][] actual = fast.perExample(batch);
            PerExampleGradients loop = new LoopedGradients(net, "reference");
            float[][] expected = loop.perExample(batch);
            for (int b = 0; b < expected.length; b++) {
                assertClose(actual[b], expected[b], "graph " + i + ", example " + b);
            }
            double clip = median(loop.clippedSum(batch, 1e9).norms());
            var loopSum = loop.clippedSum(batch, clip);
            var fastSum = fast.clippedSum(batch, clip);
            assertClose(fastSum.sum(), loopSum.sum(), "graph " + i + ", clipped sum");
            assertThat(fastSum.lossSum()).isCloseTo(loopSum.lossSum(), within(1e-3));
        }
    }

    @Test
    void dpSgdWithBatchedConvolutionGradientsTakesTheSameStepsAsTheLoop() {
        // The same CNN as a MultiLayerNetwork (batched engine) and as a ComputationGraph that takes the
        // per-example loop, the same parameters, sampling and noise: DP-SGD must end at the same parameters.
        var conv = new ConvolutionLayer.Builder(3, 3)
                .nOut(4)
                .convolutionMode(ConvolutionMode.Same)
                .activation(Activation.RELU)
                .build();
        var pool = new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
                .kernelSize(2, 2)
                .stride(2, 2)
                .build();
        var dense = new DenseLayer.Builder().nOut(8).activation(Activation.RELU).build();
        var output = new OutputLayer.Builder(LossFunction.MCXENT)
                .nOut(3)
                .activation(Activation.SOFTMAX)
                .build();
        MultiLayerNetwork chain = network(8, 1, conv.clone(), pool.clone(), dense.clone());
        String graphJson = new NeuralNetConfiguration.Builder()
                .seed(5)
                .dataType(DataType.FLOAT)
                .updater(new Sgd(0.1))
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutionalFlat(8, 8, 1))
                .addLayer("conv", conv, "in")
                .addLayer("pool", pool, "conv")
                // ThresholdedReLU(0) is ReLU, but not an activation the batched engine takes: the loop.
                .addLayer(
                        "dense",
                        new DenseLayer.Builder()
                                .nOut(8)
                                .activation(new org.nd4j.linalg.activations.impl.ActivationThresholdedReLU(0.0))
                                .build(),
                        "pool")
                .addLayer("out", output, "dense")
                .setOutputs("out")
                .build()
                .toJson();
        var graph = new ModelSpec(graphJson).build();
        org.cohort.learning.model.ParameterVectors.write(graph, org.cohort.learning.model.ParameterVectors.read(chain));
        TabularDataset train = batch(120, 64, 11);
        var plan = new DpSgdPlan(0.8, 1.0, 0.2, 12);

        DpSgdResult batched = DpSgdTrainer.train(
                org.cohort.learning.model.Network.of(chain),
                train,
                DpFixtures.SGD,
                plan,
                new SeededGaussianNoise(3),
                DpFixtures.seededSampling(4),
                new float[0][]);
        DpSgdResult looped = DpSgdTrainer.train(
                graph,
                train,
                DpFixtures.SGD,
                plan,
                new SeededGaussianNoise(3),
                DpFixtures.seededSampling(4),
                new float[0][]);

        assertThat(batched.vectorised()).isTrue();
        assertThat(looped.vectorised()).isFalse();
        assertClose(
                org.cohort.learning.model.ParameterVectors.read(chain),
                org.cohort.learning.model.ParameterVectors.read(graph),
                "parameters after 12 DP-SGD steps");
        assertThat(batched.meanLoss()).isCloseTo(looped.meanLoss(), within(1e-4));
    }

    static MultiLayerNetwork network(int side, int channels, org.deeplearning4j.nn.conf.layers.Layer... hidden) {
        var list = new NeuralNetConfiguration.Builder()
                .seed(5)
                .dataType(DataType.FLOAT)
                .updater(new Sgd(0.1))
                .list();
        for (var layer : hidden) {
            list.layer(layer);
        }
        list.layer(new OutputLayer.Builder(LossFunction.MCXENT)
                .nOut(3)
                .activation(Activation.SOFTMAX)
                .build());
        String json = list.setInputType(InputType.convolutionalFlat(side, side, channels))
                .build()
                .toJson();
        return new ModelSpec(json).newNetwork();
    }

    static TabularDataset batch(int n, int width, long seed) {
        var random = new Random(seed);
        float[][] rows = new float[n][width];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < width; j++) {
                rows[i][j] = (float) random.nextGaussian();
            }
            labels[i] = random.nextInt(3);
        }
        return new TabularDataset(rows, labels, 3);
    }

    private static void assertClose(float[] actual, float[] expected, String what) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            assertThat((double) actual[i])
                    .as("%s, parameter %d", what, i)
                    .isCloseTo(expected[i], within(1e-4 * Math.max(1, Math.abs(expected[i]))));
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
