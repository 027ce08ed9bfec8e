package org.cohort.learning.data;

import java.util.Objects;

/**
 * Splits a site's examples into training and test parts one row at a time, by a
 * {@link SplitRule} that looks only at that row's key: a patient's side never depends on who else
 * is in the table, which is what lets the split sit inside a row-level DP guarantee.
 */
public final class TrainTestSplit {

    private TrainTestSplit() {}

    /** Splits {@code data}; both parts keep file order. */
    public static SplitData split(TabularDataset data, RowKeys keys, SplitRule rule) {
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(rule, "rule");
        boolean[] inTest = new boolean[data.size()];
        int testSize = 0;
        for (int i = 0; i < inTest.length; i++) {
            inTest[i] = rule.inTest(keys, data, i);
            testSize += inTest[i] ? 1 : 0;
        }
        int[] train = new int[data.size() - testSize];
        int[] test = new int[testSize];
        int a = 0;
        int b = 0;
        for (int i = 0; i < inTest.length; i++) {
            if (inTest[i]) {
                test[b++] = i;
            } else {
                train[a++] = i;
            }
        }
        return new SplitData(data.select(train), data.select(test));
    }

    /** Splits a loaded table by its own keys (patient ids where the schema names an id column). */
    public static SplitData split(LoadedTable table, SplitRule rule) {
        return split(table.dataset(), table.rowKeys(), rule);
    }
}
