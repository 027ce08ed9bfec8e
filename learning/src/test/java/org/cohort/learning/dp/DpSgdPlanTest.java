package org.cohort.learning.dp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.cohort.learning.model.Optimizer;
import org.cohort.learning.model.TrainingPlan;
import org.junit.jupiter.api.Test;

class DpSgdPlanTest {

    @Test
    void epochsBecomeStepsAtTheExpectedBatchSize() {
        DpSgdPlan plan = DpSgdPlan.ofEpochs(1.1, 1.0, 64, 2000, 5);

        assertThat(plan.samplingRate()).isEqualTo(0.032);
        assertThat(plan.stepsPerEpoch()).isEqualTo(32);
        assertThat(plan.steps()).isEqualTo(5 * 32);
        assertThat(plan.expectedBatchSize(2000)).isEqualTo(64.0, org.assertj.core.api.Assertions.within(1e-9));
    }

    @Test
    void aDeclaredSizeFixesQTheStepsAndTheDivisorWhateverTheRowsTrainedOn() {
        DpSgdPlan declared = DpSgdPlan.ofEpochs(1.1, 1.0, 32, 225, 1);

        // The site really has 224 or 226 rows: nothing that is released may tell.
        for (int real : new int[] {224, 225, 226}) {
            assertThat(declared.samplingRate()).isEqualTo(32.0 / 225);
            assertThat(declared.steps()).isEqualTo(8);
            assertThat(declared.divisor(real)).isEqualTo(32.0, org.assertj.core.api.Assertions.within(1e-12));
        }
        assertThat(new DpSgdPlan(1.1, 1.0, 0.1, 5).divisor(300))
                .as("no declared size: the rows trained on")
                .isEqualTo(30.0, org.assertj.core.api.Assertions.within(1e-12));
    }

    @Test
    void matchesANonPrivatePlan() {
        TrainingPlan plan = new TrainingPlan(3, 50, Optimizer.ADAM, 0.01, 1);

        assertThat(DpSgdPlan.matching(plan, 1000, 0.8, 2.0)).isEqualTo(new DpSgdPlan(0.8, 2.0, 0.05, 60, 1000));
        assertThat(DpSgdPlan.matching(plan, 30, 0.8, 2.0).samplingRate()).isEqualTo(1.0);
    }

    @Test
    void rejectsParametersWithoutPrivacyOrMeaning() {
        assertThatThrownBy(() -> new DpSgdPlan(0, 1, 0.1, 10))
                .hasMessageContaining("noiseMultiplier")
                .hasMessageContaining("no privacy");
        assertThatThrownBy(() -> new DpSgdPlan(Double.NaN, 1, 0.1, 10)).hasMessageContaining("noiseMultiplier");
        assertThatThrownBy(() -> new DpSgdPlan(1, 0, 0.1, 10)).hasMessageContaining("clipNorm");
        assertThatThrownBy(() -> new DpSgdPlan(1, Double.POSITIVE_INFINITY, 0.1, 10))
                .hasMessageContaining("clipNorm");
        assertThatThrownBy(() -> new DpSgdPlan(1, 1, 0, 10)).hasMessageContaining("samplingRate must be in (0, 1]");
        assertThatThrownBy(() -> new DpSgdPlan(1, 1, 1.5, 10)).hasMessageContaining("samplingRate");
        assertThatThrownBy(() -> new DpSgdPlan(1, 1, 0.1, 0)).hasMessageContaining("steps must be at least 1");
        assertThatThrownBy(() -> DpSgdPlan.ofEpochs(1, 1, 64, 0, 1)).hasMessageContaining("datasetSize");
    }
}
