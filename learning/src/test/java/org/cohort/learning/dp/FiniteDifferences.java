package org.cohort.learning.dp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.cohort.learning.data.TabularDataset;
import org.cohort.learning.model.ParameterVectors;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/** Checks every per-example gradient engine against central finite differences of one patient's loss. */
final class FiniteDifferences {
    private FiniteDifferences() {}

    /** One patient's loss under the network's current parameters. */
    interface Loss {
        double of(MultiLayerNetwork net, TabularDataset data, int row);
    }

    /** Asserts that the Java-loop, ND4J and DL4J engines' gradients of each row's {@code loss} match finite differences. */
    static void assertEnginesMatch(MultiLayerNetwork net, TabularDataset data, Loss loss, String what) {
        float[] params = ParameterVectors.read(net);
        List<PerExampleGradients> engines = List.of(
                new LoopedGradients(net, "reference"), new VectorisedGradients(net), new SmallDenseGradients(net));
        for (PerExampleGradients engine : engines) {
            float[][] analytic = engine.perExample(data);
            for (int b = 0; b < data.size(); b++) {
                for (int i = 0; i < params.length; i++) {
                    double eps = 1e-3; // small: a ReLU unit near its kink would otherwise be straddled
                    float[] plus = params.clone();
                    plus[i] += (float) eps;
                    ParameterVectors.write(net, plus);
                    double up = loss.of(net, data, b);
                    float[] minus = params.clone();
                    minus[i] -= (float) eps;
                    ParameterVectors.write(net, minus);
                    double down = loss.of(net, data, b);
                    ParameterVectors.write(net, params);
                    double numeric = (up - down) / (plus[i] - minus[i]);
                    assertThat((double) analytic[b][i])
                            .as(
                                    "%s, %s, patient %d, parameter %d",
                                    engine.getClass().getSimpleName(), what, b, i)
                            .isCloseTo(numeric, within(5e-3 + 5e-3 * Math.abs(numeric)));
                }
            }
        }
    }
}
