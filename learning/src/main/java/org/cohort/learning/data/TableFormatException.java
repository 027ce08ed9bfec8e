package org.cohort.learning.data;

import java.nio.file.Path;

/**
 * A table could not be read as its schema says: a missing column, a malformed number, an
 * unknown category, a short row. The message names the file, line and column to fix.
 */
public final class TableFormatException extends RuntimeException {

    private final Path file;
    private final long line;

    TableFormatException(Path file, long line, String problem) {
        super(file + (line > 0 ? ":" + line : "") + ": " + problem);
        this.file = file;
        this.line = line;
    }

    /** The file that could not be read. */
    public Path file() {
        return file;
    }

    /** The 1-based line of the problem, or 0 when it concerns the whole file (e.g. a missing column). */
    public long line() {
        return line;
    }
}
