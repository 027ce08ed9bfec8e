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

    /**
     * Checks of {@code dataset.scoreBins}, which shapes a binary study's evaluation (like the label
     * range shapes a regression's): even, so that 0.5 is a bin edge, from 2 to
     * {@value org.cohort.protocol.ScoreHistogram#MAX_STUDY_BINS}, and only for a binary classification.
     */
    static List<String> scoreBinsProblems(StudySpec.Dataset d) {
        if (d == null || d.scoreBins() == null) {
            return List.of();
        }
        int bins = d.scoreBins();
        var problems = new ArrayList<String>();
        if (bins < 2 || bins > org.cohort.protocol.ScoreHistogram.MAX_STUDY_BINS || bins % 2 != 0) {
            problems.add("dataset.scoreBins must be even, from 2 to "
                    + org.cohort.protocol.ScoreHistogram.MAX_STUDY_BINS + " (0.5 is then a bin edge), got " + bins
                    + "; under DP fewer bins mean less noise in every figure");
        }
        if (!d.binary()) {
            problems.add("dataset.scoreBins shapes a binary classification's score histogram; this study's evaluation"
                    + " has none (a multiclass, survival or regression study): leave it out");
        }
        return problems;
    }
}
