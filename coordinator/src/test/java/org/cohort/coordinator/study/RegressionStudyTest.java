package org.cohort.coordinator.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.cohort.coordinator.round.TaskFactory;
import org.cohort.learning.model.ModelSpec;
import org.junit.jupiter.api.Test;

/** A regression study's dataset section: what is accepted, what the sites are sent, and what is refused. */
class RegressionStudyTest {

    static StudySpec.Dataset regression(String format, String label, List<Double> range, String task) {
        return dataset(format, label, range, task, null);
    }

    static StudySpec.Dataset dataset(String format, String label, List<Double> range, String task, Integer bins) {
        return new StudySpec.Dataset(
                format,
                List.of(new StudySpec.Feature("age", 50.0, 10.0, null)),
                label,
                null,
                null,
                null,
                null,
                null,
                task,
                null,
                null,
                null,
                null,
                null,
                range,
                bins);
    }

    static StudySpec spec(StudySpec.Dataset dataset) {
        return SurvivalStudyTest.spec(dataset, null);
    }

    static StudySpec spec(String preset, StudySpec.Dataset dataset) {
        return SurvivalStudyTest.spec(new StudySpec.Model(preset, List.of(), null), dataset);
    }

    @Test
    void aRegressionStudyTrainsOneIdentityOutputAndSendsItsRange() {
        for (String preset : List.of("logistic-regression", "mlp")) {
            var spec = spec(preset, regression("csv", "thalach", List.of(60.0, 220.0), "regression"))
                    .validate()
                    .withDefaults();
            assertThat(spec.dataset().modelOutputs()).isEqualTo(1);
            assertThat(spec.dataset().regressionTarget().width()).isEqualTo(160.0);
            var model = new ModelSpec(LearningBridge.configJson(spec, 1));
            assertThat(model.predictsValue()).as(preset).isTrue();
            assertThat(model.numClasses()).isEqualTo(1);
            var wire = TaskFactory.dataset(spec.dataset());
            assertThat(wire.getTask()).isEqualTo("regression");
            assertThat(wire.getLabelMin()).isEqualTo(60.0);
            assertThat(wire.getLabelMax()).isEqualTo(220.0);
        }
        // Logistic regression of one identity output is linear regression: one weight per input and a bias.
        var linear = spec(regression("csv", "y", List.of(0.0, 1.0), "regression"))
                .validate()
                .withDefaults();
        assertThat(ModelSize.of(linear, Long.MAX_VALUE).parameters()).isEqualTo(2);
    }

    @Test
    void refusesARegressionWithoutALabelRange() {
        assertThatThrownBy(spec(regression("csv", "y", null, "regression"))::validate)
                .isInstanceOf(InvalidStudyException.class)
                .hasMessageContaining("dataset.labelRange must be two numbers [min, max]")
                .hasMessageContaining("never from a site's own values");
    }

    @Test
    void refusesALabelRangeThatIsNotTwoFiniteIncreasingNumbers() {
        assertThatThrownBy(spec(regression("csv", "y", List.of(1.0), "regression"))::validate)
                .hasMessageContaining("labelRange must be two numbers");
        assertThatThrownBy(spec(regression("csv", "y", List.of(1.0, 2.0, 3.0), "regression"))::validate)
                .hasMessageContaining("labelRange must be two numbers");
        assertThatThrownBy(spec(regression("csv", "y", Arrays.asList(1.0, null), "regression"))::validate)
                .hasMessageContaining("two finite numbers");
        assertThatThrownBy(spec(regression("csv", "y", List.of(Double.NEGATIVE_INFINITY, 2.0), "regression"))::validate)
                .hasMessageContaining("two finite numbers");
        assertThatThrownBy(spec(regression("csv", "y", List.of(5.0, 5.0), "regression"))::validate)
                .hasMessageContaining("min below max");
        assertThatThrownBy(spec(regression("csv", "y", List.of(9.0, 2.0), "regression"))::validate)
                .hasMessageContaining("min below max");
        assertThatThrownBy(
                        spec(regression("csv", "y", List.of(-Double.MAX_VALUE, Double.MAX_VALUE), "regression"))
                                ::validate)
                .hasMessageContaining("too wide");
    }

    @Test
    void refusesALabelRangeOutsideARegressionStudy() {
        assertThatThrownBy(spec(regression("csv", "y", List.of(0.0, 1.0), null))::validate)
                .hasMessageContaining("dataset.labelRange describes a regression study's label");
    }

    @Test
    void refusesTheFixedHeartDiseaseFormatAndTheLabelAsAFeature() {
        assertThatThrownBy(spec(regression("heart-disease", "thalach", List.of(60.0, 220.0), "regression"))::validate)
                .hasMessageContaining("reads them as csv");
        assertThatThrownBy(spec(regression("csv", "age", List.of(20.0, 90.0), "regression"))::validate)
                .hasMessageContaining("lists the label column 'age'");
    }

    @Test
    void anUnknownTaskNamesTheThreeItKnows() {
        assertThatThrownBy(spec(regression("csv", "y", null, "ranking"))::validate)
                .hasMessageContaining("'classification', 'survival' or 'regression', got 'ranking'");
    }

    /** A binary classification dataset (label num above 0) with the given score bins. */
    static StudySpec.Dataset binary(Integer scoreBins, String task) {
        return dataset("csv", "num", "regression".equals(task) ? List.of(0.0, 4.0) : null, task, scoreBins);
    }

    @Test
    void scoreBinsDefaultToFourUnderDpAndTwentyInClearAndTravelToTheSites() {
        var clear = spec(binary(null, null)).validate().withDefaults();
        assertThat(clear.dataset().scoreBins()).isEqualTo(20);
        var dp = SurvivalStudyTest.spec(binary(null, null), SurvivalStudyTest.PATIENT)
                .validate()
                .withDefaults();
        assertThat(dp.dataset().scoreBins()).isEqualTo(4);
        var declared = spec(binary(10, null)).validate().withDefaults();
        assertThat(TaskFactory.dataset(declared.dataset()).getScoreBins()).isEqualTo(10);
        // A regression study has no histogram: no bins are set for it.
        var regression = spec(binary(null, "regression")).validate().withDefaults();
        assertThat(regression.dataset().scoreBins()).isNull();
        assertThat(TaskFactory.dataset(regression.dataset()).getScoreBins()).isZero();
    }

    @Test
    void refusesScoreBinsThatAreOddOutOfRangeOrOfAStudyWithoutAHistogram() {
        for (int bins : new int[] {0, 1, 3, 102, -2}) {
            assertThatThrownBy(spec(binary(bins, null))::validate)
                    .as("%d bins", bins)
                    .hasMessageContaining("dataset.scoreBins must be even, from 2 to 100");
        }
        assertThatThrownBy(spec(binary(4, "regression"))::validate)
                .hasMessageContaining("dataset.scoreBins shapes a binary classification's score histogram");
    }
}
