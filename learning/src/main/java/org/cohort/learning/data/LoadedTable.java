package org.cohort.learning.data;

import java.util.List;

/**
 * A table read from disk, with what was left out, so that a site can report how much of its
 * data a study actually used.
 *
 * @param dataset the encoded rows that were kept
 * @param rowsRead data rows in the file (header and blank lines not counted)
 * @param rowsDroppedForMissingValues rows left out because a column the schema uses was empty or {@code ?}
 * @param patientIds the id of each kept row when the schema names an id column, else null
 */
public record LoadedTable(
        TabularDataset dataset, long rowsRead, long rowsDroppedForMissingValues, List<String> patientIds) {

    public LoadedTable {
        if (patientIds != null) {
            patientIds = List.copyOf(patientIds);
            if (patientIds.size() != dataset.size()) {
                throw new IllegalArgumentException(patientIds.size() + " patient ids for " + dataset.size() + " rows");
            }
        }
    }

    /** A table without patient ids. */
    public LoadedTable(TabularDataset dataset, long rowsRead, long rowsDroppedForMissingValues) {
        this(dataset, rowsRead, rowsDroppedForMissingValues, null);
    }

    /** What keys each row for the split: its patient id, or its content where there is none. */
    public RowKeys rowKeys() {
        return patientIds == null ? RowKeys.content() : RowKeys.patientIds(patientIds);
    }
}
