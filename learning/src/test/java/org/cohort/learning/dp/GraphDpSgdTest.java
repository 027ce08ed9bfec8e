package org.cohort.learning.dp;

import static org.assertj.core.api.Assertions.assertThat;

import org.cohort.learning.data.TabularDataset;
import org.cohort.learning.model.ModelSpec;
import org.cohort.learning.model.Network;
import org.cohort.learning.model.UserModels;
import org.cohort.learning.train.Evaluator;
import org.junit.jupiter.api.Test;

/**
 * Patient-level DP-SGD on a user's ComputationGraph: per-example gradients by the loop (one
 * backward pass per example), which is exact for every supported layer and vertex, and by the batched
 * engine where it applies.
 */
class GraphDpSgdTest {

    @Test
    void loopedPerExampleGradientsOfAGraphSumToItsBatchGradient() {
        Network net = new ModelSpec(UserModels.residualGraph(5, 6, 2)).build();
        TabularDataset batch = DpFixtures.blobs(12, 5, 3);
        // A graph of dense layers and a residual addition takes the batched engine (ConvGradientsTest
        // checks it against this loop); the loop stays for graphs with other vertices.
        assertThat(PerExampleGradients.forNetwork(net, 12)).isInstanceOf(ConvGradients.class);
        PerExampleGradients engine = new LoopedGradients(net, "reference");

        float[][] each = engine.perExample(batch);
        // DL4J's batch gradient is the sum over the batch (its updater divides by the batch size).
        float[] batchGradient = net.gradient(batch.featureMatrix(), batch.oneHotLabels());
        for (int i = 0; i < batchGradient.length; i++) {
            double sum = 0;
            for (float[] g : each) {
                sum += g[i];
            }
            assertThat(sum)
                    .as("parameter %d", i)
                    .isCloseTo(batchGradient[i], org.assertj.core.data.Offset.offset(1e-4));
        }
        // Clipping bounds every example's contribution.
        var clipped = engine.clippedSum(batch, 0.05);
        for (double norm : clipped.norms()) {
            assertThat(norm).isPositive();
        }
        double total = 0;
        for (float v : clipped.sum()) {
            total += (double) v * v;
        }
        assertThat(Math.sqrt(total)).isLessThanOrEqualTo(12 * 0.05);
    }

    @Test
    void dpSgdTrainsAGraph() {
        Network net = new ModelSpec(UserModels.residualGraph(5, 6, 2)).build();
        TabularDataset train = DpFixtures.blobs(400, 5, 1);
        DpSgdResult result = DpSgdTrainer.train(
                net,
                train,
                DpFixtures.SGD,
                new DpSgdPlan(0.5, 1.0, 0.1, 60),
                new SeededGaussianNoise(2),
                DpFixtures.seededSampling(4),
                new float[0][]);
        assertThat(result.vectorised()).isTrue();
        assertThat(result.steps()).isEqualTo(60);
        assertThat(Evaluator.evaluate(net, DpFixtures.blobs(300, 5, 2)).accuracy())
                .isGreaterThan(0.8);
    }
}
