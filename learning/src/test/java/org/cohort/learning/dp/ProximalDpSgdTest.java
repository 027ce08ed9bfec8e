package org.cohort.learning.dp;

import static org.assertj.core.api.Assertions.assertThat;

import org.cohort.learning.data.TabularDataset;
import org.cohort.learning.model.ModelPreset;
import org.cohort.learning.model.ParameterVectors;
import org.cohort.learning.model.TrainingPlan;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;

/**
 * FedProx under patient-level DP-SGD: the proximal term is added after clipping and noise, so the
 * same sample and noise (seeded here) give a model nearer the global one, at the same charge.
 */
class ProximalDpSgdTest {

    @Test
    void theProximalTermPullsTowardTheGlobalModelAtTheSameCharge() {
        TabularDataset data = DpFixtures.blobs(400, 4, 3);
        TrainingPlan plan = new TrainingPlan(3, 32, org.cohort.learning.model.Optimizer.SGD, 0.5, 11);
        DpSgdPlan dp = DpSgdPlan.matching(plan, data.size(), 1.0, 0.8);
        float[] global = ParameterVectors.read(DpFixtures.network(ModelPreset.logisticRegression(), 4, 2));

        Run plain = train(data, plan, dp, global);
        Run prox = train(data, plan.withProximalMu(2.0), dp, global);

        assertThat(prox.distance()).as("against mu = 0: %s", plain.distance()).isLessThan(plain.distance() * 0.9);
        assertThat(prox.result().steps()).isEqualTo(plain.result().steps());
        assertThat(prox.result().samplingRate()).isEqualTo(plain.result().samplingRate());
        assertThat(prox.result().accountedNoiseMultiplier())
                .as("the term costs no privacy: the charge is the same")
                .isEqualTo(plain.result().accountedNoiseMultiplier());
    }

    private record Run(double distance, DpSgdResult result) {}

    private static Run train(TabularDataset data, TrainingPlan plan, DpSgdPlan dp, float[] global) {
        MultiLayerNetwork net = DpFixtures.network(ModelPreset.logisticRegression(), 4, 2);
        ParameterVectors.write(net, global);
        NoiseSource noise = new SecureGaussianNoise(DpFixtures.seededBits(3), 24, "seeded test bits");
        DpSgdResult result = DpSgdTrainer.train(net, data, plan, dp, noise, DpFixtures.seededSampling(4));
        float[] local = ParameterVectors.read(net);
        double sum = 0;
        for (int i = 0; i < local.length; i++) {
            sum += (local[i] - global[i]) * (double) (local[i] - global[i]);
        }
        return new Run(Math.sqrt(sum), result);
    }
}
