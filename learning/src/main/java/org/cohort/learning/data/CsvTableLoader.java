package org.cohort.learning.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Reads a site's table into an encoded {@link TabularDataset}, parsed by Apache Commons CSV as the
 * study's {@link TableFormat} declares (delimiter, quote, header row or named columns, missing
 * markers); quoted values may hold the delimiter, doubled quotes and line breaks.
 *
 * <p>Columns are found by name, so a site's file may have extra columns and any column order.
 * Rows where a column the schema uses holds a missing marker are dropped and counted (the count
 * is reported in {@link LoadedTable}); every other problem stops loading with a
 * {@link TableFormatException} naming file, line and column, since silently skipping malformed
 * rows would bias what a site trains on without anyone noticing.
 */
public final class CsvTableLoader {

    private CsvTableLoader() {}

    /** Loads a comma-separated file whose first non-blank line is a header naming the columns. */
    public static LoadedTable load(Path csv, TabularSchema schema) throws IOException {
        return load(csv, schema, TableFormat.DEFAULT);
    }

    /** Loads a comma-separated file without a header row, whose columns are {@code columns} in order. */
    public static LoadedTable loadHeaderless(Path csv, List<String> columns, TabularSchema schema) throws IOException {
        Objects.requireNonNull(columns, "columns");
        return load(csv, schema, TableFormat.DEFAULT.withColumns(columns));
    }

    /** Loads a table written as {@code format} says. */
    public static LoadedTable load(Path csv, TabularSchema schema, TableFormat format) throws IOException {
        Objects.requireNonNull(csv, "csv");
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(format, "format");
        List<float[]> rows = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        List<String> ids = schema.idColumn() == null ? null : new ArrayList<>();
        List<Double> times = new ArrayList<>();
        List<Boolean> events = new ArrayList<>();
        List<Double> targets = new ArrayList<>();
        long rowsRead = 0;
        long dropped = 0;
        List<String> header = format.columns();
        RowEncoder encoder = header == null ? null : encoder(csv, schema, header, format);
        try (BufferedReader reader = Files.newBufferedReader(csv, StandardCharsets.UTF_8);
                var records = new Records(csv, reader, format)) {
            for (String[] cells = records.next(); cells != null; cells = records.next()) {
                long lineNumber = records.line();
                if (encoder == null) {
                    header = Arrays.asList(cells);
                    encoder = encoder(csv, schema, header, format);
                    continue;
                }
                rowsRead++;
                if (cells.length != header.size()) {
                    throw new TableFormatException(
                            csv,
                            lineNumber,
                            TableFormatException.Problem.WRONG_VALUE_COUNT,
                            List.of(),
                            "expected " + header.size() + " values separated by " + delimiterName(format)
                                    + (format.hasHeader() ? " (as in the header)" : " (the study's columns)")
                                    + ", found " + cells.length + "; check the study's declared delimiter and quote");
                }
                if (encoder.hasMissing(cells)) {
                    dropped++;
                    continue;
                }
                float[] encoded = new float[schema.numEncodedFeatures()];
                try {
                    encoder.encodeFeatures(cells, encoded);
                    labels.add(encoder.encodeLabel(cells));
                    if (schema.isRegression()) {
                        targets.add(encoder.regressionTarget(cells));
                    }
                    if (schema.isSurvival()) {
                        times.add(encoder.survivalTime(cells));
                        events.add(encoder.survivalEvent(cells));
                    }
                } catch (RowEncoder.CellException e) {
                    throw new TableFormatException(csv, lineNumber, e.problem, List.of(e.column), e.getMessage());
                }
                rows.add(encoded);
                if (ids != null) {
                    ids.add(encoder.patientId(cells));
                }
            }
        }
        if (encoder == null) {
            throw new TableFormatException(
                    csv,
                    0,
                    TableFormatException.Problem.EMPTY_FILE,
                    List.of(),
                    "the file is empty; expected a header row naming the columns");
        }
        TabularDataset.Survival survival = null;
        if (schema.isSurvival()) {
            boolean[] flags = new boolean[events.size()];
            for (int i = 0; i < flags.length; i++) {
                flags[i] = events.get(i);
            }
            survival = new TabularDataset.Survival(
                    times.stream().mapToDouble(Double::doubleValue).toArray(), flags);
        }
        TabularDataset dataset = schema.isRegression()
                ? TabularDataset.regression(
                        rows.toArray(float[][]::new),
                        targets.stream().mapToDouble(Double::doubleValue).toArray())
                : new TabularDataset(
                        rows.toArray(float[][]::new),
                        labels.stream().mapToInt(Integer::intValue).toArray(),
                        schema.numClasses(),
                        survival);
        return new LoadedTable(dataset, rowsRead, dropped, ids);
    }

    private static String delimiterName(TableFormat format) {
        return delimiterName(format.delimiter());
    }

    private static String delimiterName(char delimiter) {
        return switch (delimiter) {
            case ',' -> "commas";
            case ';' -> "semicolons";
            case '\t' -> "tabs";
            case '|' -> "pipes";
            default -> "'" + delimiter + "'";
        };
    }

    private static RowEncoder encoder(Path csv, TabularSchema schema, List<String> header, TableFormat format) {
        try {
            return new RowEncoder(schema, header, format::isMissing);
        } catch (RowEncoder.MissingColumnsException e) {
            String hint = "";
            if (header.size() == 1) {
                for (char other : TableFormat.DELIMITERS.toCharArray()) {
                    if (other != format.delimiter() && header.getFirst().indexOf(other) >= 0) {
                        hint = "; the header is one value holding " + delimiterName(other)
                                + ": if the file is separated by them, declare that delimiter in the study's"
                                + " dataset.table.delimiter";
                        break;
                    }
                }
            }
            throw new TableFormatException(
                    csv, 0, TableFormatException.Problem.MISSING_COLUMNS, e.absent, e.getMessage() + hint);
        }
    }

    /** Splits one comma-separated line into trimmed cells (double quotes as in {@link TableFormat#DEFAULT}). */
    static String[] split(String line, Path csv, long lineNumber) {
        try (var records = new Records(csv, new BufferedReader(new java.io.StringReader(line)), TableFormat.DEFAULT)) {
            String[] cells = records.next();
            return cells == null ? new String[] {""} : cells;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (TableFormatException e) {
            throw new TableFormatException(csv, lineNumber, e.problem(), e.columns(), "a quoted value is not closed");
        }
    }

    /**
     * The file's records as trimmed cells, blank lines skipped, a leading byte-order mark (written by
     * spreadsheet exports) dropped; a quote left open at the end of the file is a {@link
     * TableFormatException}, not a truncated last row.
     */
    private static final class Records implements AutoCloseable {
        private final Path csv;
        private final CSVParser parser;
        private final java.util.Iterator<CSVRecord> iterator;

        Records(Path csv, BufferedReader reader, TableFormat format) throws IOException {
            this.csv = csv;
            reader.mark(1);
            if (reader.read() != '\uFEFF') {
                reader.reset();
            }
            CSVFormat csvFormat = CSVFormat.DEFAULT
                    .builder()
                    .setDelimiter(format.delimiter())
                    .setQuote(format.quote())
                    .setRecordSeparator("\n")
                    .setIgnoreEmptyLines(true)
                    .setIgnoreSurroundingSpaces(true)
                    .setTrim(true)
                    .get();
            this.parser =
                    CSVParser.builder().setReader(reader).setFormat(csvFormat).get();
            this.iterator = parser.iterator();
        }

        /** The next record's cells, or null at the end. */
        String[] next() {
            try {
                return iterator.hasNext() ? iterator.next().values() : null;
            } catch (UncheckedIOException | IllegalStateException e) {
                throw new TableFormatException(
                        csv,
                        line(),
                        TableFormatException.Problem.UNCLOSED_QUOTE,
                        List.of(),
                        "a quoted value is not closed before the end of the file (" + e.getMessage()
                                + "); close the quote, or declare the quote character the file uses");
            }
        }

        /** The line the last record ended on (1-based). */
        long line() {
            return Math.max(1, parser.getCurrentLineNumber());
        }

        @Override
        public void close() throws IOException {
            parser.close();
        }
    }
}
