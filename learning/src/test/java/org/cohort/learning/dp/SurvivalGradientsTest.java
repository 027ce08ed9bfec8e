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
import org.cohort.learning.train.DiscreteTimeSurvival;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;

/**
 * The discrete-time survival loss: every per-example gradient engine (Java loops, ND4J, DL4J's own
 * backward pass with the label mask) against central finite differences of the per-patient
 * negative log-likelihood, and DL4J's masked XENT score against that likelihood.
 */
class SurvivalGradientsTest {

    static final int INPUTS = 3;
    static final int INTERVALS = 4;

    /** Patients in every situation: events in each interval, censored in the first, middle and last. */
    static TabularDataset patients() {
        int[] intervals = {0, 1, 2, 3, 0, 2, 3, 1};
        boolean[] events = {true, true, true, true, false, false, false, true};
        SplittableRandom random = new SplittableRandom(5);
        float[][] x = new float[intervals.length][INPUTS];
        double[] times = new double[intervals.length];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < INPUTS; j++) {
                x[i][j] = (float) random.nextGaussian();
            }
            times[i] = intervals[i] * 10 + 5;
        }
        return new TabularDataset(x, intervals, INTERVALS, new TabularDataset.Survival(times, events));
    }

    static MultiLayerNetwork network(ModelPreset preset) {
        MultiLayerNetwork net =
                new ModelSpec(preset.survivalConfigJson(INPUTS, INTERVALS, DpFixtures.SGD)).newNetwork();
        // Larger than initial weights, so that hazards spread away from 0.5.
        float[] p = ParameterVectors.read(net);
        SplittableRandom random = new SplittableRandom(9);
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) (random.nextGaussian() * 0.7);
        }
        ParameterVectors.write(net, p);
        return net;
    }

    static double loss(MultiLayerNetwork net, TabularDataset data, int row) {
        float[] h =
                net.output(data.select(new int[] {row}).featureMatrix(), false).toFloatVector();
        return DiscreteTimeSurvival.negativeLogLikelihood(
                h, data.labels()[row], data.survival().events()[row]);
    }

    @Test
    void perExampleGradientsMatchFiniteDifferencesOfTheLikelihood() {
        TabularDataset data = patients();
        for (ModelPreset preset : List.of(ModelPreset.logisticRegression(), ModelPreset.mlp(5))) {
            MultiLayerNetwork net = network(preset);
            assertThat(PerExampleGradients.forNetwork(net, 8)).isInstanceOf(SmallDenseGradients.class);
            FiniteDifferences.assertEnginesMatch(net, data, SurvivalGradientsTest::loss, preset.toString());
        }
    }

    @Test
    void clippedSumsAgreeAndLossIsTheLikelihood() {
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
        // DL4J's masked binary cross-entropy, averaged over the batch, is the same likelihood.
        Network wrapped = Network.of(net);
        wrapped.gradient(data.featureMatrix(), data.labelMatrix(), data.labelMask());
        assertThat(wrapped.score()).isCloseTo(expected / data.size(), within(1e-3));
    }

    @Test
    void censoredPatientsCountOnlyTheIntervalsTheySurvived() {
        TabularDataset data = patients();
        float[][] mask = data.labelMask().toFloatMatrix();
        float[][] targets = data.labelMatrix().toFloatMatrix();
        // Event in interval 2: survived 0 and 1, event in 2, nothing known after.
        assertThat(mask[2]).containsExactly(1, 1, 1, 0);
        assertThat(targets[2]).containsExactly(0, 0, 1, 0);
        // Censored in interval 2: survived 0 and 1 only.
        assertThat(mask[5]).containsExactly(1, 1, 0, 0);
        assertThat(targets[5]).containsExactly(0, 0, 0, 0);
        // Censored in the first interval: says nothing.
        assertThat(mask[4]).containsExactly(0, 0, 0, 0);
    }
}
