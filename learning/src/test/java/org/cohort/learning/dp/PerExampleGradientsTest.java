package org.cohort.learning.dp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.cohort.learning.data.TabularDataset;
import org.cohort.learning.model.ModelPreset;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

class PerExampleGradientsTest {

    static final TabularDataset BATCH = DpFixtures.blobs(24, 5, 3);

    static List<MultiLayerNetwork> networks() {
        return List.of(
                DpFixtures.network(ModelPreset.logisticRegression(), 5, 2),
                DpFixtures.network(ModelPreset.mlp(8), 5, 2),
                DpFixtures.network(ModelPreset.mlp(7, 6), 5, 2),
                hiddenActivationNetwork(Activation.TANH),
                hiddenActivationNetwork(Activation.SIGMOID));
    }

    @Test
    void presetsTakeTheVectorisedPath() {
        for (MultiLayerNetwork net : networks()) {
            assertThat(PerExampleGradients.forNetwork(net, 64)).isInstanceOf(SmallDenseGradients.class);
        }
        // Java loops for small work per step, ND4J's BLAS when batch × parameters is large.
        MultiLayerNetwork wide = DpFixtures.network(ModelPreset.mlp(256, 128), 40, 2); // 43 650 parameters
        assertThat(PerExampleGradients.forNetwork(wide, 16)).isInstanceOf(SmallDenseGradients.class);
        assertThat(PerExampleGradients.forNetwork(wide, 64)).isInstanceOf(VectorisedGradients.class);
        PerExampleGradients withDropout = PerExampleGradients.forNetwork(dropoutNetwork(), 64);
        assertThat(withDropout.vectorised()).isFalse();
        assertThat(withDropout.slowPathReason()).contains("layer 0").contains("dropout");
    }

    @Test
    void vectorisedPerExampleGradientsMatchLoop() {
        for (MultiLayerNetwork net : networks()) {
            PerExampleGradients loop = new LoopedGradients(net, "reference");
            float[][] expected = loop.perExample(BATCH);
            double clip = median(loop.clippedSum(BATCH, 1e9).norms()); // about half the examples get clipped
            PerExampleGradients.ClippedSum loopSum = loop.clippedSum(BATCH, clip);

            for (PerExampleGradients fast : List.of(new SmallDenseGradients(net), new VectorisedGradients(net))) {
                String what = fast.getClass().getSimpleName() + " on " + describe(net);
                float[][] actual = fast.perExample(BATCH);
                assertThat(actual.length).isEqualTo(BATCH.size());
                for (int b = 0; b < expected.length; b++) {
                    assertClose(actual[b], expected[b], "example " + b + ", " + what);
                }

                // The production path never materialises them: its norms and clipped sum must agree too.
                PerExampleGradients.ClippedSum fastSum = fast.clippedSum(BATCH, clip);
                for (int b = 0; b < BATCH.size(); b++) {
                    assertThat(fastSum.norms()[b])
                            .as("norm %d, %s", b, what)
                            .isCloseTo(loopSum.norms()[b], within(1e-5 * (1 + loopSum.norms()[b])));
                }
                assertClose(fastSum.sum(), loopSum.sum(), "clipped sum, " + what);
                assertThat(fastSum.lossSum()).as("loss, %s", what).isCloseTo(loopSum.lossSum(), within(1e-4));
            }
        }
    }

    @Test
    void clippingBoundsEachExample() {
        List<PerExampleGradients> engines = new ArrayList<>();
        for (MultiLayerNetwork net : networks()) {
            engines.add(new SmallDenseGradients(net));
            engines.add(new VectorisedGradients(net));
        }
        // The slow path on one network: it is slow, and clips each materialised gradient directly.
        engines.add(new LoopedGradients(DpFixtures.network(ModelPreset.mlp(8), 5, 2), "reference"));
        for (PerExampleGradients engine : engines) {
            double[] norms = engine.clippedSum(BATCH, 1e9).norms();
            for (double clip : new double[] {median(norms), 0.01}) {
                float[] all = engine.clippedSum(BATCH, clip).sum();
                for (int b = 0; b < BATCH.size(); b++) {
                    // What example b adds to the released sum: the difference of neighbouring batches.
                    int skip = b;
                    int[] others = IntStream.range(0, BATCH.size())
                            .filter(i -> i != skip)
                            .toArray();
                    float[] without =
                            engine.clippedSum(BATCH.select(others), clip).sum();
                    double contribution = distance(all, without);

                    assertThat(contribution)
                            .as(
                                    "example %d, C=%s, %s",
                                    b, clip, engine.getClass().getSimpleName())
                            .isLessThanOrEqualTo(clip * (1 + 1e-4))
                            .isCloseTo(Math.min(clip, norms[b]), within(1e-3 * clip));
                }
            }
        }
    }

    @Test
    void emptyBatchGivesAZeroSum() {
        MultiLayerNetwork net = DpFixtures.network(ModelPreset.mlp(8), 5, 2);
        TabularDataset none = BATCH.select(new int[0]);
        for (PerExampleGradients engine : List.of(new SmallDenseGradients(net), new VectorisedGradients(net))) {
            PerExampleGradients.ClippedSum empty = engine.clippedSum(none, 1.0);

            assertThat(empty.sum()).hasSize((int) net.numParams()).containsOnly(0f);
            assertThat(empty.size()).isZero();
        }
    }

    private static MultiLayerNetwork hiddenActivationNetwork(Activation activation) {
        return fiveSixTwo(new DenseLayer.Builder().nIn(5).nOut(6).activation(activation));
    }

    static MultiLayerNetwork dropoutNetwork() {
        return fiveSixTwo(new DenseLayer.Builder()
                .nIn(5)
                .nOut(6)
                .activation(Activation.RELU)
                .dropOut(0.9));
    }

    /** A 5-6-2 network, seeded, with the given hidden layer and a softmax output. */
    private static MultiLayerNetwork fiveSixTwo(DenseLayer.Builder hidden) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(5)
                .dataType(DataType.FLOAT)
                .updater(new Sgd(0.1))
                .list()
                .layer(hidden.build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT)
                        .nIn(6)
                        .nOut(2)
                        .activation(Activation.SOFTMAX)
                        .build())
                .build());
        net.init();
        return net;
    }

    private static void assertClose(float[] actual, float[] expected, String what) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            assertThat((double) actual[i])
                    .as("%s, parameter %d", what, i)
                    .isCloseTo(expected[i], within(1e-5 * Math.max(1, Math.abs(expected[i]))));
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static double distance(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            double d = (double) a[i] - b[i];
            sum += d * d;
        }
        return Math.sqrt(sum);
    }

    private static String describe(MultiLayerNetwork net) {
        return net.getnLayers() + "-layer network with " + net.numParams() + " parameters";
    }
}
