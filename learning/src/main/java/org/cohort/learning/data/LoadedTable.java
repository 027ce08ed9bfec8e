package org.cohort.learning.data;

/**
 * A table read from disk, with what was left out, so that a site can report how much of its
 * data a study actually used.
 *
 * @param dataset the encoded rows that were kept
 * @param rowsRead data rows in the file (header and blank lines not counted)
 * @param rowsDroppedForMissingValues rows left out because a column the schema uses was empty or {@code ?}
 */
public record LoadedTable(TabularDataset dataset, long rowsRead, long rowsDroppedForMissingValues) {}
