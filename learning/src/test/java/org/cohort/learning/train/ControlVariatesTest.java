package org.cohort.learning.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.cohort.learning.train.LocalTrainerTest.DATA;
import static org.cohort.learning.train.LocalTrainerTest.LOGISTIC;

import org.cohort.learning.model.ParameterVectors;
import org.cohort.learning.model.TrainingPlan;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

/** SCAFFOLD at the site: each step gains c − c_i, and option II updates c_i from the delta sent. */
class ControlVariatesTest {

    @Test
    void optionTwoGivesTheSiteVariateFromTheDeltaTheStepsAndTheLearningRate() {
        // c = [0.5, −1], c_i = [0.1, 0.2]; Δy = y − x = [−0.3, 0.6] after K = 3 steps of η = 0.1:
        // (x − y)/(K·η) = [1, −2], so c_i⁺ = c_i − c + [1, −2] = [0.6, −0.8] and Δc_i = [0.5, −1].
        var variates = new ControlVariates(new float[] {0.5f, -1f}, new float[] {0.1f, 0.2f});
        float[] change = variates.siteChange(new float[] {-0.3f, 0.6f}, 3, 0.1);
        assertThat(change).containsExactly(new float[] {0.5f, -1f}, within(1e-6f));
        assertThat(variates.nextSite(change)).containsExactly(new float[] {0.6f, -0.8f}, within(1e-6f));
        assertThat(variates.correction()).containsExactly(new float[] {0.4f, -1.2f}, within(1e-6f));
    }

    @Test
    void refusesVariatesOfOtherSizesAndRoundsWithoutSteps() {
        assertThatThrownBy(() -> new ControlVariates(new float[2], new float[3]))
                .hasMessageContaining("start c_i from zero");
        var variates = new ControlVariates(new float[2], new float[2]);
        assertThatThrownBy(() -> variates.siteChange(new float[2], 0, 0.1)).hasMessageContaining("K = 0");
        assertThatThrownBy(() -> variates.siteChange(new float[3], 1, 0.1)).hasMessageContaining("3 values");
        assertThatThrownBy(() -> LocalTrainerTest.PLAN.withControlCorrection(new float[] {Float.NaN}))
                .hasMessageContaining("diverged");
    }

    @Test
    void oneSgdStepMovesByExactlyMinusTheLearningRateTimesTheCorrection() {
        float[] start = ParameterVectors.read(LOGISTIC.newNetwork());
        float[] correction = new float[start.length];
        for (int i = 0; i < correction.length; i++) {
            correction[i] = (i % 3 - 1) * 0.4f;
        }
        DataSet batch = DATA.select(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15})
                .toDataSet();
        MultiLayerNetwork plain = LOGISTIC.newNetwork();
        ParameterVectors.write(plain, start);
        plain.fit(batch);
        MultiLayerNetwork corrected = LOGISTIC.newNetwork();
        ParameterVectors.write(corrected, start);
        corrected.addListeners(ControlVariateTerm.of(start.length, correction));
        corrected.fit(batch);
        float[] p = ParameterVectors.read(plain);
        float[] q = ParameterVectors.read(corrected);
        for (int i = 0; i < p.length; i++) {
            // SGD of learning rate 0.1 on the mean gradient plus c − c_i
            assertThat((double) q[i] - p[i]).as("parameter %d", i).isCloseTo(-0.1 * correction[i], within(1e-5));
        }
    }

    @Test
    void localTrainingWithAZeroCorrectionIsPlainTrainingAndLeavesNoListener() {
        TrainingPlan plan = LocalTrainerTest.PLAN;
        float[] start = ParameterVectors.read(LOGISTIC.newNetwork());
        MultiLayerNetwork a = LOGISTIC.newNetwork();
        ParameterVectors.write(a, start);
        LocalTrainer.train(a, DATA, plan);
        MultiLayerNetwork b = LOGISTIC.newNetwork();
        ParameterVectors.write(b, start);
        LocalTrainer.train(b, DATA, plan.withControlCorrection(new float[start.length]));
        assertThat(ParameterVectors.read(b)).containsExactly(ParameterVectors.read(a));
        assertThat(b.getListeners()).noneMatch(l -> l instanceof ControlVariateTerm);
        assertThat(plan.localSteps(DATA.size()))
                .isEqualTo(plan.localEpochs() * (long) Math.ceil(DATA.size() / (double) plan.batchSize()));
    }
}
