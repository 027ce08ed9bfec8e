package org.cohort.learning.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TrainingPlanTest {

    @Test
    void rejectsValuesThatCannotTrain() {
        assertThatThrownBy(() -> new TrainingPlan(0, 32, Optimizer.SGD, 0.1, 1)).hasMessageContaining("localEpochs");
        assertThatThrownBy(() -> new TrainingPlan(1, 0, Optimizer.SGD, 0.1, 1)).hasMessageContaining("batchSize");
        assertThatThrownBy(() -> new TrainingPlan(1, 32, null, 0.1, 1)).hasMessageContaining("SGD, ADAM or NESTEROV");
        assertThatThrownBy(() -> new TrainingPlan(1, 32, Optimizer.SGD, 0, 1)).hasMessageContaining("learningRate");
        assertThatThrownBy(() -> new TrainingPlan(1, 32, Optimizer.SGD, Double.NaN, 1))
                .hasMessageContaining("learningRate");
        assertThatThrownBy(() -> new TrainingPlan(1, 32, Optimizer.SGD, Double.POSITIVE_INFINITY, 1))
                .hasMessageContaining("learningRate");
        for (double mu : new double[] {-0.1, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> new TrainingPlan(1, 32, Optimizer.SGD, 0.1, 1, mu))
                    .as("mu %s", mu)
                    .hasMessageContaining("proximal term mu (FedProx) must be a finite number of at least 0");
        }
    }

    @Test
    void withersChangeOnlyTheirField() {
        TrainingPlan plan = new TrainingPlan(2, 32, Optimizer.ADAM, 0.01, 5);

        assertThat(plan.withSeed(9)).isEqualTo(new TrainingPlan(2, 32, Optimizer.ADAM, 0.01, 9));
        assertThat(plan.withLocalEpochs(7)).isEqualTo(new TrainingPlan(7, 32, Optimizer.ADAM, 0.01, 5));
        assertThat(plan.withProximalMu(0.5)).isEqualTo(new TrainingPlan(2, 32, Optimizer.ADAM, 0.01, 5, 0.5));
        assertThat(plan.withProximalMu(0.5).withSeed(9).proximalMu()).isEqualTo(0.5);
    }
}
