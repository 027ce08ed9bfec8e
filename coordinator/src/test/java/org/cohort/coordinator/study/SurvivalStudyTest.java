package org.cohort.coordinator.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.cohort.coordinator.round.TaskFactory;
import org.cohort.learning.model.ModelPreset;
import org.cohort.learning.model.ModelSpec;
import org.cohort.learning.model.Optimizer;
import org.cohort.learning.model.TrainingPlan;
import org.cohort.protocol.v1.Accountant;
import org.cohort.protocol.v1.PrivacyMode;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.JsonNodeFactory;

/** A survival study's dataset section: what is accepted, what the sites are sent, and what is refused. */
class SurvivalStudyTest {

    static StudySpec.Dataset survival(String time, String event, List<Double> cuts) {
        return new StudySpec.Dataset(
                "csv",
                List.of(new StudySpec.Feature("age_at_index", 60.0, 10.0, null)),
                null,
                null,
                null,
                null,
                "pid",
                List.of("TCGA-E2-A9RU"),
                "survival",
                time,
                event,
                cuts);
    }

    /** A dataset with a label column y, the given task and time column. */
    static StudySpec.Dataset labelled(String task, String time) {
        var base = survival(time, null, null);
        return new StudySpec.Dataset(
                base.format(), base.features(), "y", null, null, null, null, null, task, time, null, null);
    }

    static StudySpec spec(StudySpec.Dataset dataset, StudySpec.Privacy privacy) {
        return new StudySpec(null, null, null, dataset, null, null, null, null, null, privacy, null, null);
    }

    static StudySpec spec(StudySpec.Model model, StudySpec.Dataset dataset) {
        return new StudySpec(null, model, null, dataset, null, null, null, null, null, null, null, null);
    }

    static final StudySpec.Privacy PATIENT = new StudySpec.Privacy(
            PrivacyMode.PRIVACY_MODE_PATIENT, 1.0, 0.5, 1e-5, 1.0, Accountant.ACCOUNTANT_RDP, 32, true);

    @Test
    void aSurvivalStudyTrainsOneSigmoidHazardPerInterval() {
        var spec = spec(survival("T", "E", List.of(365.0, 730.0, 1826.0)), null)
                .validate()
                .withDefaults();
        assertThat(spec.dataset().labelColumn()).isEqualTo("E");
        assertThat(spec.dataset().modelOutputs()).isEqualTo(4);
        var model = new ModelSpec(LearningBridge.configJson(spec, 1));
        assertThat(model.predictsHazards()).isTrue();
        assertThat(model.numClasses()).isEqualTo(4);
        var wire = TaskFactory.dataset(spec.dataset());
        assertThat(wire.getTask()).isEqualTo("survival");
        assertThat(wire.getTimeColumn()).isEqualTo("T");
        assertThat(wire.getLabelColumn()).isEqualTo("E");
        assertThat(wire.getCutPointsList()).containsExactly(365.0, 730.0, 1826.0);
        assertThat(ModelSize.of(spec, Long.MAX_VALUE).parameters()).isEqualTo(2 * 4);
    }

    @Test
    void underPatientDpTheCIndexIsNotReleased() {
        var spec = spec(survival("T", "E", List.of(365.0)), PATIENT).validate().withDefaults();
        assertThat(spec.privacy().evaluationNoise()).isZero();
        var asked = new StudySpec.Privacy(
                PrivacyMode.PRIVACY_MODE_PATIENT, 1.0, 0.5, 1e-5, 1.0, Accountant.ACCOUNTANT_RDP, 32, true, 20.0);
        assertThatThrownBy(spec(survival("T", "E", List.of(365.0)), asked)::validate)
                .isInstanceOf(InvalidStudyException.class)
                .hasMessageContaining("evaluationNoiseMultiplier")
                .hasMessageContaining("n - 1");
    }

    @Test
    void badSurvivalDatasetsAreRefusedAtCreation() {
        assertThatThrownBy(spec(survival(null, "E", List.of(365.0)), null)::validate)
                .hasMessageContaining("dataset.timeColumn must name");
        assertThatThrownBy(spec(survival("T", null, List.of(365.0)), null)::validate)
                .hasMessageContaining("dataset.eventColumn must name");
        assertThatThrownBy(spec(survival("T", "E", List.of(730.0, 365.0)), null)::validate)
                .hasMessageContaining("strictly increasing");
        assertThatThrownBy(spec(survival("T", "E", null), null)::validate)
                .hasMessageContaining("cutPoints must list at least one");
        assertThatThrownBy(spec(survival("age_at_index", "E", List.of(365.0)), null)::validate)
                .hasMessageContaining("time column 'age_at_index'");
        assertThatThrownBy(spec(survival("T", "age_at_index", List.of(365.0)), null)::validate)
                .hasMessageContaining("event column 'age_at_index'");
        assertThatThrownBy(spec(labelled("ranking", null), null)::validate)
                .hasMessageContaining("dataset.task must be");
        assertThatThrownBy(spec(labelled(null, "T"), null)::validate)
                .hasMessageContaining("set dataset.task to 'survival'");
    }

    @Test
    void aStudysOwnSurvivalModelMustPredictOneHazardPerInterval() {
        var plan = new TrainingPlan(1, 8, Optimizer.SGD, 0.1, 1);
        var dataset = survival("T", "E", List.of(365.0, 730.0));
        java.util.function.Function<String, StudySpec> withModel =
                json -> spec(new StudySpec.Model(null, null, 42L, JsonNodeFactory.instance.stringNode(json)), dataset);
        withModel.apply(ModelPreset.mlp(4).survivalConfigJson(1, 3, plan)).validate();
        assertThatThrownBy(withModel.apply(ModelPreset.mlp(4).configJson(1, 2, plan))::validate)
                .hasMessageContaining("predicts class probabilities");
        assertThatThrownBy(withModel.apply(ModelPreset.mlp(4).survivalConfigJson(1, 5, plan))::validate)
                .hasMessageContaining("predicts 5 hazards")
                .hasMessageContaining("make 3 intervals");
    }
}
