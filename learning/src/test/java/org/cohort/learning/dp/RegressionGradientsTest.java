package org.cohort.learning.dp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.SplittableRandom;
import org.cohort.learning.data.TabularDataset;
import org.cohort.learning.model.ModelPreset;
import org.cohort.learning.model.ModelSpec;
import org.cohort.learning.model.Network;
import org.cohort.learning.model.ParameterVectors;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;

/**
 * The regression loss (one identity output, DL4J's MSE: (ŷ − y)² per example): every per-example
 * gradient engine (Java loops, ND4J, DL4J's own backward pass) against central finite differences of
 * each patient's squared error, and the summed losses against DL4J's score.
 */
class RegressionGradientsTest {

    static final int INPUTS = 3;

    /** Patients with targets spread over [0, 1], the scaled label range. */
    static TabularDataset patients() {
        SplittableRandom random = new SplittableRandom(5);
        float[][] x = new float[8][INPUTS];
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < INPUTS; j++) {
                x[i][j] = (float) random.nextGaussian();
            }
            y[i] = i / (double) (x.length - 1);
        }
        return TabularDataset.regression(x, y);
    }

    static MultiLayerNetwork network(ModelPreset preset) {
        MultiLayerNetwork net = new ModelSpec(preset.regressionConfigJson(INPUTS, DpFixtures.SGD)).newNetwork();
        float[] p = ParameterVectors.read(net);
        SplittableRandom random = new SplittableRandom(9);
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) (random.nextGaussian() * 0.7);
        }
        ParameterVectors.write(net, p);
        return net;
    }

    static double loss(MultiLayerNetwork net, TabularDataset data, int row) {
        double predicted =
                net.output(data.select(new int[] {row}).featureMatrix(), false).getDouble(0);
        double e = predicted - data.targets()[row];
        return e * e;
    }

    @Test
    void perExampleGradientsMatchFiniteDifferencesOfTheSquaredError() {
        TabularDataset data = patients();
        for (ModelPreset preset : List.of(ModelPreset.logisticRegression(), ModelPreset.mlp(5))) {
            MultiLayerNetwork net = network(preset);
            assertThat(PerExampleGradients.forNetwork(net, 8)).isInstanceOf(SmallDenseGradients.class);
            FiniteDifferences.assertEnginesMatch(net, data, RegressionGradientsTest::loss, preset.toString());
        }
    }

    @Test
    void clippedSumsAgreeAndLossIsTheSquaredError() {
        TabularDataset data = patients();
        MultiLayerNetwork net = network(ModelPreset.mlp(5));
        double expected = 0;
        for (int b = 0; b < data.size(); b++) {
            expected += loss(net, data, b);
        }
        PerExampleGradients.ClippedSum small = new SmallDenseGradients(net).clippedSum(data, 0.5);
        PerExampleGradients.ClippedSum nd4j = new VectorisedGradients(net).clippedSum(data, 0.5);
        assertThat(small.lossSum()).isCloseTo(expected, within(1e-4 * data.size()));
        assertThat(nd4j.lossSum()).isCloseTo(expected, within(1e-4 * data.size()));
        for (int i = 0; i < small.sum().length; i++) {
            assertThat(small.sum()[i]).isCloseTo(nd4j.sum()[i], within(1e-4f));
        }
        // DL4J's MSE over one output, averaged over the batch, is the same squared error.
        Network wrapped = Network.of(net);
        wrapped.gradient(data.featureMatrix(), data.labelMatrix(), null);
        assertThat(wrapped.score()).isCloseTo(expected / data.size(), within(1e-4));
    }
}
