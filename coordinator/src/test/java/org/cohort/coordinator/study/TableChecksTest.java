package org.cohort.coordinator.study;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.cohort.coordinator.round.TaskFactory;
import org.junit.jupiter.api.Test;

/** A study's declared table format is refused at creation when no site could read it as meant. */
class TableChecksTest {

    private static StudySpec.Dataset dataset(String format, StudySpec.Table table) {
        return new StudySpec.Dataset(
                format,
                List.of(new StudySpec.Feature("age", 50.0, 10.0, null)),
                "num",
                0.5,
                0.25,
                1L,
                "pid",
                null,
                null,
                null,
                null,
                null,
                null,
                table);
    }

    @Test
    void aWellFormedDeclarationPassesAndTravelsToTheSitesAsWritten() {
        var table = new StudySpec.Table(";", "", List.of("pid", "age", "num"), List.of("NA", ""));
        assertThat(TableChecks.problems(dataset("csv", table))).isEmpty();
        var spec = TaskFactory.dataset(dataset("csv", table));
        assertThat(spec.getTable().getDelimiter()).isEqualTo(";");
        assertThat(spec.getTable().getNoQuote()).isTrue();
        assertThat(spec.getTable().getColumnsList()).containsExactly("pid", "age", "num");
        assertThat(spec.getTable().getMissingList()).containsExactly("NA", "");
        assertThat(TaskFactory.dataset(dataset("csv", null)).hasTable()).isFalse();
    }

    @Test
    void eachKindOfBadDeclarationIsRefusedWithWhatToChange() {
        assertThat(TableChecks.problems(dataset("csv", new StudySpec.Table(":", null, null, null))))
                .singleElement()
                .asString()
                .contains("dataset.table", "semicolon");
        assertThat(TableChecks.problems(dataset("csv", new StudySpec.Table(";;", null, null, null))))
                .singleElement()
                .asString()
                .contains("one character");
        assertThat(TableChecks.problems(dataset("csv", new StudySpec.Table(",", "''", null, null))))
                .singleElement()
                .asString()
                .contains("quote must be one character");
        assertThat(TableChecks.problems(dataset("csv", new StudySpec.Table(",", null, List.of("age", "num"), null))))
                .singleElement()
                .asString()
                .contains("not pid", "add them");
        assertThat(TableChecks.problems(dataset("csv", new StudySpec.Table(",", null, null, List.of()))))
                .singleElement()
                .asString()
                .contains("at least one marker");
        assertThat(TableChecks.problems(dataset("heart-disease", new StudySpec.Table(";", null, null, null))))
                .singleElement()
                .asString()
                .contains("format 'csv' only");
    }

    @Test
    void theStudyRefusesABadDeclarationAtCreation() {
        var spec = new StudySpec(
                "s",
                null,
                null,
                dataset("csv", new StudySpec.Table("x", null, null, null)),
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null);
        org.assertj.core.api.Assertions.assertThatThrownBy(spec::validate).hasMessageContaining("dataset.table");
    }
}
