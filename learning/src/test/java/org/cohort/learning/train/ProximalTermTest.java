package org.cohort.learning.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.cohort.learning.train.LocalTrainerTest.DATA;
import static org.cohort.learning.train.LocalTrainerTest.LOGISTIC;

import org.cohort.learning.model.ParameterVectors;
import org.cohort.learning.model.TrainingPlan;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

/** FedProx at the site: μ·(w − w_global) joins every step's gradient, at the scale of the mean loss gradient. */
class ProximalTermTest {
    // SGD, learning rate 0.1, batches of 16, as the logistic model is configured; five epochs
    static final TrainingPlan SGD = LocalTrainerTest.PLAN.withLocalEpochs(5);

    @Test
    void oneSgdStepMovesByExactlyLearningRateTimesMuTimesTheDistanceMore() {
        double mu = 0.5;
        float[] global = ParameterVectors.read(LOGISTIC.newNetwork());
        float[] away = global.clone();
        for (int i = 0; i < away.length; i++) {
            away[i] += (i % 3 - 1) * 0.7f; // w − w_global: −0.7, 0, 0.7, ...
        }
        DataSet batch = DATA.select(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15})
                .toDataSet();

        MultiLayerNetwork plain = LOGISTIC.newNetwork();
        ParameterVectors.write(plain, away);
        plain.fit(batch);

        MultiLayerNetwork prox = LOGISTIC.newNetwork();
        ParameterVectors.write(prox, global);
        prox.addListeners(new ProximalTerm(prox, mu));
        ParameterVectors.write(prox, away);
        prox.fit(batch);

        float[] p = ParameterVectors.read(plain);
        float[] q = ParameterVectors.read(prox);
        for (int i = 0; i < p.length; i++) {
            double expected = -0.1 * mu * (away[i] - global[i]);
            assertThat((double) q[i] - p[i]).as("parameter %d", i).isCloseTo(expected, within(1e-5));
        }
    }

    @Test
    void fedProxKeepsTheLocalModelCloserToTheGlobalOneThanFedAvgOnTheSameDataAndSeed() {
        float[] global = ParameterVectors.read(LOGISTIC.newNetwork());
        double plain = distanceAfterTraining(SGD, global);
        double prox = distanceAfterTraining(SGD.withProximalMu(1.0), global);
        double strong = distanceAfterTraining(SGD.withProximalMu(10.0), global);
        assertThat(plain).isGreaterThan(0.1);
        assertThat(prox).as("mu = 1 against mu = 0 (%s)", plain).isLessThan(plain * 0.9);
        assertThat(strong).as("mu = 10 against mu = 1 (%s)", prox).isLessThan(prox);
        assertThat(distanceAfterTraining(SGD.withProximalMu(0), global))
                .as("mu = 0 is plain local training")
                .isEqualTo(plain);
    }

    @Test
    void theTermLeavesTheNetworkWithTheListenersItHad() {
        MultiLayerNetwork net = LOGISTIC.newNetwork();
        LocalTrainer.train(net, DATA, SGD.withProximalMu(1.0));
        assertThat(net.getListeners()).noneMatch(l -> l instanceof ProximalTerm);
        LocalTrainer.train(net, DATA, SGD.withProximalMu(1.0)); // the restored listeners take another round
        assertThat(net.getListeners()).noneMatch(l -> l instanceof ProximalTerm);
    }

    private static double distanceAfterTraining(TrainingPlan plan, float[] global) {
        MultiLayerNetwork net = LOGISTIC.newNetwork();
        ParameterVectors.write(net, global);
        LocalTrainer.train(net, DATA, plan);
        float[] local = ParameterVectors.read(net);
        double sum = 0;
        for (int i = 0; i < local.length; i++) {
            sum += (local[i] - global[i]) * (double) (local[i] - global[i]);
        }
        return Math.sqrt(sum);
    }
}
