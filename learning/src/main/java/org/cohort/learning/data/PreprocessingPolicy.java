package org.cohort.learning.data;

import java.util.ArrayList;
import java.util.List;

/**
 * Which preprocessing a study's privacy allows a site. Standardising with a site's own statistics
 * makes every row's features depend on every other row (one patient's outlier shifts the mean and
 * so everyone's inputs), a release that a differentially private study does not account.
 */
public enum PreprocessingPolicy {

    /** Studies without differential privacy: a site may standardise columns with its training statistics. */
    DATA_STATISTICS_ALLOWED,

    /** Differentially private studies: only scaling the study declares, the same function for every row. */
    DECLARED_ONLY;

    /** The policy for a study without differential privacy ({@code true}) or with it. */
    public static PreprocessingPolicy forStudy(boolean withoutPrivacy) {
        return withoutPrivacy ? DATA_STATISTICS_ALLOWED : DECLARED_ONLY;
    }

    /**
     * Refuses {@code schema} when this policy forbids how it preprocesses.
     *
     * @throws DataDependentPreprocessingException naming the columns and how to declare them
     */
    public void check(TabularSchema schema) {
        if (this == DATA_STATISTICS_ALLOWED) {
            return;
        }
        List<String> fromData = new ArrayList<>();
        for (FeatureColumn column : schema.features()) {
            if (column instanceof FeatureColumn.Numeric numeric && numeric.locallyStandardised()) {
                fromData.add(numeric.name());
            }
        }
        if (!fromData.isEmpty()) {
            throw new DataDependentPreprocessingException(fromData);
        }
    }

    /** A differentially private study asked a site to standardise columns with its own statistics. */
    public static final class DataDependentPreprocessingException extends IllegalArgumentException {
        private final List<String> columns;

        DataDependentPreprocessingException(List<String> columns) {
            super(message(columns));
            this.columns = List.copyOf(columns);
        }

        /** The study's columns that would be standardised from the site's data. */
        public List<String> columns() {
            return columns;
        }

        /** The explanation, shared with the coordinator's check of a study spec. */
        public static String message(List<String> columns) {
            return "a differentially private study cannot standardise " + String.join(", ", columns)
                    + " with each site's own statistics (one patient's value would shift every other patient's"
                    + " features, outside the accounted ε); declare each numeric column's scaling in the study's"
                    + " dataset as \"center\" and \"scale\" fixed before looking at any site's data, e.g. from a"
                    + " published reference range [low, high]: center = (low + high) / 2, scale = (high - low) / 2";
        }
    }
}
