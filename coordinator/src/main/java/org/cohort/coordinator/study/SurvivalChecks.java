package org.cohort.coordinator.study;

import java.util.ArrayList;
import java.util.List;
import org.cohort.learning.data.SurvivalTarget;

/**
 * Checks of a survival study's dataset ({@code dataset.task = "survival"}): a time column, an event
 * column and the public cut points of the discrete-time model, each a column of its own, and under
 * patient-level DP no released evaluation. The sites check each row (a time at least 0, an event of
 * 0 or 1) when they load their table, before any training.
 */
final class SurvivalChecks {
    private SurvivalChecks() {}

    /**
     * Why a survival study's held-out C-index is not released under patient-level DP: it is a ratio
     * of pair counts, and one patient is in up to n − 1 pairs, so the counts' sensitivity is n − 1, not
     * 1 as for a confusion matrix; noise on that scale would swamp a test set of a few dozen patients.
     */
    static final String NO_RELEASE_UNDER_DP = "a survival study releases no held-out evaluation under patient-level"
            + " DP: the C-index counts pairs of patients and one patient is in up to n - 1 of them, so noised pair"
            + " counts would need noise n - 1 times larger than a confusion matrix's and drown the figure; the sites"
            + " withhold it (the study's published model can be measured by whoever holds test data)";

    static List<String> problems(StudySpec spec) {
        var problems = new ArrayList<String>();
        StudySpec.Dataset d = spec.dataset();
        if (d == null) {
            return problems;
        }
        String task = d.task();
        if (task != null
                && !List.of(StudySpec.Dataset.CLASSIFICATION, StudySpec.Dataset.SURVIVAL, StudySpec.Dataset.REGRESSION)
                        .contains(task)) {
            problems.add("dataset.task must be '" + StudySpec.Dataset.CLASSIFICATION + "', '"
                    + StudySpec.Dataset.SURVIVAL + "' or '" + StudySpec.Dataset.REGRESSION + "', got '" + task + "'");
            return problems;
        }
        if (!d.survival()) {
            if (d.timeColumn() != null || d.eventColumn() != null || d.cutPoints() != null) {
                problems.add("dataset.timeColumn, eventColumn and cutPoints describe a survival study; set"
                        + " dataset.task to 'survival', or leave them out");
            }
            return problems;
        }
        String time = d.timeColumn();
        String event = d.label();
        if (time == null || time.isBlank()) {
            problems.add("dataset.timeColumn must name the column with each patient's time to the event or to"
                    + " censoring (a survival study)");
        }
        if (d.labelColumn() != null
                && d.eventColumn() != null
                && !d.labelColumn().equals(d.eventColumn())) {
            problems.add("dataset.labelColumn '" + d.labelColumn() + "' and dataset.eventColumn '" + d.eventColumn()
                    + "' differ; in a survival study the event column is the label: give one of them");
        }
        String cuts = SurvivalTarget.cutPointsProblem(d.cutPoints());
        if (cuts != null) {
            problems.add("dataset." + cuts + "; choose them before looking at any site's data (e.g. whole years"
                    + " of follow-up), never from a site's own times");
        }
        if (time != null && !time.isBlank()) {
            if (time.equals(event) || time.equals(d.idColumn())) {
                problems.add("dataset.timeColumn '" + time + "' is also the event or the id column; each is a column"
                        + " of its own");
            }
            if (d.features() != null && d.features().stream().anyMatch(f -> f != null && time.equals(f.name()))) {
                problems.add("dataset.features lists the time column '" + time + "'; a model may not train on the"
                        + " outcome it predicts");
            }
        }
        if (event != null
                && d.features() != null
                && d.features().stream().anyMatch(f -> f != null && event.equals(f.name()))) {
            problems.add("dataset.features lists the event column '" + event + "'; a model may not train on the"
                    + " outcome it predicts");
        }
        if ("heart-disease".equals(d.format())) {
            problems.add("dataset.format 'heart-disease' has no time column; a survival study reads a csv table");
        }
        var privacy = spec.privacy();
        if (privacy != null
                && privacy.patientLevel()
                && privacy.evaluationNoiseMultiplier() != null
                && privacy.evaluationNoiseMultiplier() > 0) {
            problems.add("privacy.evaluationNoiseMultiplier must be 0 or left out: " + NO_RELEASE_UNDER_DP);
        }
        return problems;
    }
}
