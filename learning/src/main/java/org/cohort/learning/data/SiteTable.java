package org.cohort.learning.data;

import java.util.List;
import java.util.Objects;

/**
 * A site's raw table as a hospital would export it: named columns and one row of values per
 * patient (the label is a column like any other).
 *
 * @param name the site's name, also the stem of its CSV file
 * @param columns column names, in the order of each row's values
 * @param rows one array of {@code columns.size()} values per patient; owned by the table, not modified
 */
public record SiteTable(String name, List<String> columns, double[][] rows) {

    public SiteTable {
        Objects.requireNonNull(name, "name");
        columns = List.copyOf(columns);
        Objects.requireNonNull(rows, "rows");
        for (double[] row : rows) {
            if (row.length != columns.size()) {
                throw new IllegalArgumentException(
                        "every row needs " + columns.size() + " values, one per column; found " + row.length);
            }
        }
    }

    /** Number of patients. */
    public int size() {
        return rows.length;
    }
}
