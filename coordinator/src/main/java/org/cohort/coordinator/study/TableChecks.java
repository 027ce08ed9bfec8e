package org.cohort.coordinator.study;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.cohort.learning.data.TableFormat;

/**
 * The checks of a dataset's declared table format ({@code dataset.table}): the words a site's
 * loader reads ({@link TableFormat}), and, for files without a header row, that the columns the
 * study uses are among the named ones.
 */
final class TableChecks {
    private TableChecks() {}

    static List<String> problems(StudySpec.Dataset dataset) {
        StudySpec.Table table = dataset.table();
        if (table == null) {
            return List.of();
        }
        var problems = new ArrayList<String>();
        String format = dataset.format() == null ? "csv" : dataset.format();
        if (!format.equals("csv")) {
            problems.add("dataset.table describes a table file: it applies to format 'csv' only, not '" + format
                    + "'; leave it out");
            return problems;
        }
        if (table.missing() != null && table.missing().isEmpty()) {
            problems.add("dataset.table.missing must list at least one marker of a value not recorded (\"\" for an"
                    + " empty cell), or be left out for \"\" and \"?\"");
            return problems;
        }
        try {
            TableFormat parsed = format(table);
            if (!parsed.hasHeader()) {
                var named = new HashSet<>(parsed.columns());
                var absent = new ArrayList<String>();
                for (String used : usedColumns(dataset)) {
                    if (!named.contains(used)) {
                        absent.add(used);
                    }
                }
                if (!absent.isEmpty()) {
                    problems.add("dataset.table.columns names the columns of files without a header row, but not "
                            + String.join(", ", absent) + ", which the study uses; add them in the files' order");
                }
            }
        } catch (IllegalArgumentException e) {
            problems.add("dataset.table: " + e.getMessage());
        }
        return problems;
    }

    /** The format a site reads with; the defaults where the study leaves a word out. */
    static TableFormat format(StudySpec.Table table) {
        String delimiter = table.delimiter() == null ? "," : table.delimiter();
        if (delimiter.length() != 1) {
            throw new IllegalArgumentException(
                    "delimiter must be one character (\",\", \";\", \"\\t\" or \"|\"), got '" + delimiter + "'");
        }
        String quote = table.quote() == null ? "\"" : table.quote();
        if (quote.length() > 1) {
            throw new IllegalArgumentException(
                    "quote must be one character, or \"\" for values that are never quoted, got '" + quote + "'");
        }
        List<String> columns = table.columns();
        return new TableFormat(
                delimiter.charAt(0),
                quote.isEmpty() ? null : quote.charAt(0),
                columns,
                table.missing() == null ? TableFormat.DEFAULT.missing() : new HashSet<>(table.missing()));
    }

    private static List<String> usedColumns(StudySpec.Dataset dataset) {
        var used = new ArrayList<String>();
        if (dataset.features() != null) {
            dataset.features().forEach(f -> used.add(f.name()));
        }
        for (String c : new String[] {dataset.label(), dataset.idColumn(), dataset.timeColumn()}) {
            if (c != null) {
                used.add(c);
            }
        }
        return used;
    }
}
