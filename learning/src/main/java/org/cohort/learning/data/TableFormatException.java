package org.cohort.learning.data;

import java.nio.file.Path;
import java.util.List;

/**
 * A table could not be read as its schema says: a missing column, a malformed number, an
 * unknown category, a short row. The message names the file, line and column to fix, and may
 * quote cells, so it is for the site's own log only; {@link #problem()} and {@link #columns()}
 * say what went wrong without a single cell value, for anything that leaves the site.
 */
public final class TableFormatException extends RuntimeException {

    /** What went wrong, as a code that carries no data. */
    public enum Problem {
        /** The header lacks columns the study needs (or the file has no header). */
        MISSING_COLUMNS,
        /** A row has more or fewer values than the header. */
        WRONG_VALUE_COUNT,
        /** A quoted value is not closed on its line. */
        UNCLOSED_QUOTE,
        /** The file has no rows at all. */
        EMPTY_FILE,
        /** A numeric column holds something that is not a finite number. */
        NOT_A_NUMBER,
        /** A categorical column holds a value outside the study's levels. */
        UNKNOWN_LEVEL,
        /** The label column holds a value the study's label rule cannot map. */
        BAD_LABEL
    }

    private final Path file;
    private final long line;
    private final Problem problem;
    private final List<String> columns;

    TableFormatException(Path file, long line, Problem problem, List<String> columns, String message) {
        super(file + (line > 0 ? ":" + line : "") + ": " + message);
        this.file = file;
        this.line = line;
        this.problem = problem;
        this.columns = List.copyOf(columns);
    }

    /** The file that could not be read. */
    public Path file() {
        return file;
    }

    /** The 1-based line of the problem, or 0 when it concerns the whole file (e.g. a missing column). */
    public long line() {
        return line;
    }

    /** What went wrong. */
    public Problem problem() {
        return problem;
    }

    /** The study's columns concerned (names from the schema, never from the file); may be empty. */
    public List<String> columns() {
        return columns;
    }
}
