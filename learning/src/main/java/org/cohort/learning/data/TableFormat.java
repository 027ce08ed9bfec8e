package org.cohort.learning.data;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * How a site's table file is written, as the study declares it: the delimiter, the quote
 * character, whether a header row names the columns (or the study names them, for a file
 * without one), and which cells mean "not recorded". Every site reads with the same format, so a
 * file that does not match is refused at the agent's check rather than read differently.
 *
 * @param delimiter separates values: a comma, a semicolon (as spreadsheets write in many European
 *     locales), a tab or a pipe
 * @param quote encloses values that contain the delimiter, the quote (doubled) or line breaks;
 *     null when values are never quoted
 * @param columns the column names of a file without a header row, in order; null when the file's
 *     first row names them
 * @param missing cells that mean "not recorded" (compared after trimming); a row with one in a
 *     column the study uses is dropped and counted
 */
public record TableFormat(char delimiter, Character quote, List<String> columns, Set<String> missing) {
    /**
     * The markers a study may declare. A fixed list, not any string: a marker decides which rows a
     * site drops, and a site's declared training size is public, so a marker equal to a patient's
     * id or to a label value would turn that size into a counting query about patients.
     */
    public static final Set<String> MARKERS = Set.of("", "?", "NA", "N/A", "NaN", "null", "NULL", ".", "-");

    /** Comma-separated, double quotes, a header row, and "" or "?" (as in the UCI files) for missing. */
    public static final TableFormat DEFAULT = new TableFormat(',', '"', null, Set.of("", "?"));

    /** The delimiters a study may declare. */
    public static final String DELIMITERS = ",;\t|";

    public TableFormat {
        if (DELIMITERS.indexOf(delimiter) < 0) {
            throw new IllegalArgumentException(
                    "delimiter " + shown(delimiter) + " is not supported; use a comma, a semicolon, a tab or a pipe");
        }
        if (quote != null
                && (quote == delimiter || Character.isLetterOrDigit(quote) || Character.isWhitespace(quote))) {
            throw new IllegalArgumentException("quote " + shown(quote)
                    + " cannot be the delimiter, a letter, a digit or white space; use \" or '");
        }
        if (columns != null) {
            columns = List.copyOf(columns);
            if (columns.isEmpty()) {
                throw new IllegalArgumentException("a file without a header row needs its column names; none given");
            }
            Set<String> seen = new HashSet<>();
            for (String c : columns) {
                if (c == null || c.isBlank() || !seen.add(c)) {
                    throw new IllegalArgumentException("column names must be non-blank and distinct; '" + c + "' is "
                            + (c == null || c.isBlank() ? "blank" : "listed twice"));
                }
            }
        }
        Objects.requireNonNull(missing, "missing");
        missing = Set.copyOf(missing);
        for (String m : missing) {
            if (!MARKERS.contains(m) || m.indexOf(delimiter) >= 0) {
                throw new IllegalArgumentException("missing-value marker '" + m + "' is not one of "
                        + new java.util.TreeSet<>(MARKERS) + " (other than the delimiter): a marker decides which"
                        + " rows a site drops, and that count is public");
            }
        }
    }

    /** Whether the file's first row names its columns. */
    public boolean hasHeader() {
        return columns == null;
    }

    /** Whether a trimmed cell means "not recorded". */
    public boolean isMissing(String cell) {
        return missing.contains(cell);
    }

    /** This format for a file without a header row whose columns are {@code names}. */
    public TableFormat withColumns(List<String> names) {
        return new TableFormat(delimiter, quote, names, missing);
    }

    private static String shown(char c) {
        return c == '\t' ? "TAB" : "'" + c + "' (U+" + String.format("%04X", (int) c) + ")";
    }
}
