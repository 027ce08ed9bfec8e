package org.cohort.coordinator.study;

import java.util.ArrayList;
import java.util.List;
import org.cohort.learning.data.PreprocessingPolicy;

/**
 * Checks of a study's dataset that concern privacy (how sites split and scale their rows), kept
 * apart from {@link StudySpec#validate()} so that they can grow without touching its other checks.
 */
final class DatasetChecks {

    private DatasetChecks() {}

    /** Every problem with {@code dataset} under {@code privacy}, in words the ML team can act on; empty when none. */
    static List<String> problems(StudySpec.Dataset dataset, StudySpec.Privacy privacy) {
        var problems = new ArrayList<String>();
        if (dataset == null) {
            return problems;
        }
        boolean differentiallyPrivate = privacy != null && privacy.enabled();
        if (differentiallyPrivate && dataset.features() != null) {
            // Sites would standardise these with their own rows' statistics, which ε does not cover.
            List<String> undeclared = dataset.features().stream()
                    .filter(f -> f != null && !f.categorical() && (f.center() == null || f.scale() == null))
                    .map(StudySpec.Feature::name)
                    .toList();
            if (!undeclared.isEmpty()) {
                problems.add("dataset.features: "
                        + PreprocessingPolicy.DataDependentPreprocessingException.message(undeclared));
            }
        }
        String id = dataset.idColumn();
        if (id != null) {
            if (id.isBlank()) {
                problems.add("dataset.idColumn must name the patient id column, or be left out");
            } else if (id.equals(dataset.labelColumn())
                    || (dataset.features() != null
                            && dataset.features().stream().anyMatch(f -> id.equals(f.name())))) {
                problems.add("dataset.idColumn '" + id + "' is also a feature or the label; a patient id only keys the"
                        + " split and is never trained on");
            }
            if ("heart-disease".equals(dataset.format())) {
                problems.add("dataset.idColumn: the heart-disease files have no id column; leave it out (rows are then"
                        + " keyed by their content)");
            }
        }
        if (dataset.testIds() != null
                && !dataset.testIds().isEmpty()
                && !dataset.images()
                && (id == null || id.isBlank())) {
            problems.add("dataset.testIds lists a published split by patient id; name the column holding those ids in"
                    + " dataset.idColumn");
        }
        return problems;
    }
}
