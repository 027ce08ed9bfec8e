package org.cohort.coordinator.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A model is sized from its spec, and refused with numbers, before any network is built. */
class ModelSizeTest {
    private static final ModelSize.Limits LIMITS = new ModelSize.Limits(50_000_000, 1L << 30, 16_777_216);

    private static StudySpec mlp(List<Integer> hidden, boolean secure) {
        var features = List.of(
                new StudySpec.Feature("age", 50.0, 10.0, null),
                new StudySpec.Feature("sex", null, null, List.of("f", "m")),
                new StudySpec.Feature("bp", 120.0, 20.0, null));
        return new StudySpec(
                        null,
                        new StudySpec.Model("mlp", hidden, 1L),
                        null,
                        new StudySpec.Dataset("csv", features, "y", null, null, null),
                        3,
                        3,
                        null,
                        null,
                        null,
                        null,
                        secure ? new StudySpec.SecureAggregation(true, null, null, null, null) : null,
                        null)
                .validate()
                .withDefaults();
    }

    @Test
    void countsTheParametersDl4jAllocates() {
        var spec = mlp(List.of(7, 5), false);
        long built = LearningBridge.initialParameters(LearningBridge.configJson(spec, 4), 1).length;
        assertThat(ModelSize.of(spec, LIMITS.mappedFrom()).parameters())
                .isEqualTo(built)
                .isEqualTo((4 + 1) * 7 + (7 + 1) * 5 + (5 + 1) * 2);
    }

    @Test
    void refusesAModelAboveTheParameterLimitStatingTheEstimateAndTheLimit() {
        // [20000, 20000] ran the coordinator out of memory after 43 s; now it is refused before anything is built.
        var size = ModelSize.of(mlp(List.of(20_000, 20_000), false), LIMITS.mappedFrom());
        assertThat(size.parameters()).isEqualTo(5L * 20_000 + 20_001L * 20_000 + 20_001L * 2);
        assertThatThrownBy(() -> size.check(LIMITS))
                .isInstanceOf(InvalidStudyException.class)
                .hasMessageContaining("the model has 400160002 parameters")
                .hasMessageContaining("limit of 50000000")
                .hasMessageContaining("about 3053.0 MiB");
    }

    @Test
    void refusesAModelWhoseMemoryEstimateIsAboveTheBudget() {
        // 9M parameters pass the count; a secure round holds 28 bytes each = 241 MiB, above a 200 MiB budget.
        var size = ModelSize.of(mlp(List.of(3_000, 3_000), true), LIMITS.mappedFrom());
        assertThat(size.parameters()).isLessThan(LIMITS.maxParameters());
        assertThat(size.peakBytes()).isEqualTo(size.parameters() * ModelSize.SECURE_ROUND_BYTES);
        var small = new ModelSize.Limits(50_000_000, 200L << 20, 16_777_216);
        assertThatThrownBy(() -> size.check(small))
                .hasMessageContaining("would take about")
                .hasMessageContaining("above its budget of 200.0 MiB");
        size.check(LIMITS);
    }

    @Test
    void neverOverflowsOnAbsurdWidths() {
        long p = ModelSize.parameters(
                Integer.MAX_VALUE, List.of(Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE), 2);
        assertThat(p).isEqualTo(Long.MAX_VALUE);
    }
}
