package org.cohort.learning.data;

import java.util.Objects;
import java.util.Set;

/**
 * How a site decides, row by row, whether a row is held out for testing. Both rules look at one
 * row's key and nothing else, so removing or adding a patient never moves another patient between
 * training and test (a shuffle of the whole table would: with one seed, every assignment depends
 * on every row).
 */
public sealed interface SplitRule permits SplitRule.Keyed, SplitRule.Published {

    /** Whether row {@code row} of {@code data}, keyed by {@code keys}, is a test row. */
    boolean inTest(RowKeys keys, TabularDataset data, int row);

    /**
     * A keyed hash of each row's key with the site's secret: a row is a test row when its position
     * is below {@code testFraction}, so the test part is {@code testFraction} of the rows in
     * expectation (not exactly, and not stratified: both would need to look at the other rows).
     *
     * @param salt the study's split seed, so a study can ask for a different split than another
     */
    record Keyed(SplitKey key, double testFraction, long salt) implements SplitRule {
        public Keyed {
            Objects.requireNonNull(key, "key");
            if (!(testFraction > 0 && testFraction < 1)) {
                throw new IllegalArgumentException(
                        "testFraction must be strictly between 0 and 1, was " + testFraction);
            }
        }

        @Override
        public boolean inTest(RowKeys keys, TabularDataset data, int row) {
            return key.position(salt, keys.key(data, row)) < testFraction;
        }
    }

    /**
     * A split published with the data as a list of test patient ids (TCGA-BRCA ships one): fixed
     * before anyone trains, so it is data-independent and used as given. Needs patient ids.
     */
    record Published(Set<String> testIds) implements SplitRule {
        public Published {
            testIds = Set.copyOf(Objects.requireNonNull(testIds, "testIds"));
            if (testIds.isEmpty()) {
                throw new IllegalArgumentException("a published split needs at least one test patient id");
            }
        }

        @Override
        public boolean inTest(RowKeys keys, TabularDataset data, int row) {
            if (!(keys instanceof RowKeys.PatientIds ids)) {
                throw new IllegalArgumentException("a published split lists patient ids, but the table has no id"
                        + " column; name it in the study's dataset (idColumn)");
            }
            return testIds.contains(ids.ids().get(row));
        }
    }
}
