package org.cohort.coordinator.study;

import java.util.ArrayList;
import java.util.List;
import org.cohort.learning.data.RegressionTarget;

/**
 * Checks of a regression study's dataset ({@code dataset.task = "regression"}): a numeric label
 * column and its declared range {@code labelRange: [min, max]}, public and fixed by the study (the
 * sites scale labels by it and clamp errors to it, which is what bounds one patient's effect on the
 * released error sums). The sites check each label (a finite number) when they load their table.
 */
final class RegressionChecks {
    private RegressionChecks() {}

    static List<String> problems(StudySpec spec) {
        var problems = new ArrayList<String>();
        StudySpec.Dataset d = spec.dataset();
        if (d == null) {
            return problems;
        }
        if (!d.regression()) {
            if (d.labelRange() != null) {
                problems.add("dataset.labelRange describes a regression study's label; set dataset.task to"
                        + " 'regression', or leave it out");
            }
            return problems;
        }
        String range = RegressionTarget.rangeProblem(d.labelRange());
        if (range != null) {
            problems.add("dataset." + range + "; declare it from what the column can take (e.g. a physiological or"
                    + " recorded range), never from a site's own values, which would be a release outside every ε");
        }
        if (d.images()) {
            problems.add("dataset.format '" + StudySpec.Dataset.IMAGE_FOLDER + "' has classes, not a numeric label; a"
                    + " regression study reads a csv table");
        }
        if ("heart-disease".equals(d.format())) {
            problems.add("dataset.format 'heart-disease' reads the fixed binary schema (label num > 0); a regression"
                    + " study on those files reads them as csv (dataset.table.columns names the 14 columns, missing"
                    + " values '?')");
        }
        String label = d.label();
        if (label != null
                && d.features() != null
                && d.features().stream().anyMatch(f -> f != null && label.equals(f.name()))) {
            problems.add("dataset.features lists the label column '" + label + "'; a model may not train on the"
                    + " outcome it predicts");
        }
        return problems;
    }
}
