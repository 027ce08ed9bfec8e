package org.cohort.learning.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Reads a site's comma-separated table into an encoded {@link TabularDataset}.
 *
 * <p>Columns are found by name, so a site's file may have extra columns and any column order.
 * Rows where a column the schema uses is empty or {@code ?} are dropped and counted (the count
 * is reported in {@link LoadedTable}); every other problem stops loading with a
 * {@link TableFormatException} naming file, line and column, since silently skipping malformed
 * rows would bias what a site trains on without anyone noticing. Fields may be double-quoted
 * ({@code ""} inside quotes is a quote); a field cannot span lines.
 */
public final class CsvTableLoader {

    private CsvTableLoader() {}

    /** Loads a CSV file whose first non-blank line is a header naming the columns. */
    public static LoadedTable load(Path csv, TabularSchema schema) throws IOException {
        return read(csv, null, schema);
    }

    /** Loads a CSV file without a header row, whose columns are {@code columns} in order. */
    public static LoadedTable loadHeaderless(Path csv, List<String> columns, TabularSchema schema) throws IOException {
        Objects.requireNonNull(columns, "columns");
        return read(csv, List.copyOf(columns), schema);
    }

    private static LoadedTable read(Path csv, List<String> header, TabularSchema schema) throws IOException {
        Objects.requireNonNull(csv, "csv");
        Objects.requireNonNull(schema, "schema");
        List<float[]> rows = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        List<String> ids = schema.idColumn() == null ? null : new ArrayList<>();
        List<Double> times = new ArrayList<>();
        List<Boolean> events = new ArrayList<>();
        long rowsRead = 0;
        long dropped = 0;
        RowEncoder encoder = header == null ? null : encoder(csv, schema, header);
        try (BufferedReader reader = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
            String line;
            long lineNumber = 0;
            while ((line = reader.readLine()) != null) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                if (lineNumber == 1 && !line.isEmpty() && line.charAt(0) == '\uFEFF') {
                    line = line.substring(1); // byte-order mark written by spreadsheet exports
                }
                String[] cells = split(line, csv, lineNumber);
                if (encoder == null) {
                    header = Arrays.asList(cells);
                    encoder = encoder(csv, schema, header);
                    continue;
                }
                rowsRead++;
                if (cells.length != header.size()) {
                    throw new TableFormatException(
                            csv,
                            lineNumber,
                            TableFormatException.Problem.WRONG_VALUE_COUNT,
                            List.of(),
                            "expected " + header.size() + " comma-separated values (as in the header), found "
                                    + cells.length);
                }
                if (encoder.hasMissing(cells)) {
                    dropped++;
                    continue;
                }
                float[] encoded = new float[schema.numEncodedFeatures()];
                try {
                    encoder.encodeFeatures(cells, encoded);
                    labels.add(encoder.encodeLabel(cells));
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
        TabularDataset dataset = new TabularDataset(
                rows.toArray(float[][]::new),
                labels.stream().mapToInt(Integer::intValue).toArray(),
                schema.numClasses(),
                survival);
        return new LoadedTable(dataset, rowsRead, dropped, ids);
    }

    private static RowEncoder encoder(Path csv, TabularSchema schema, List<String> header) {
        try {
            return new RowEncoder(schema, header);
        } catch (RowEncoder.MissingColumnsException e) {
            throw new TableFormatException(
                    csv, 0, TableFormatException.Problem.MISSING_COLUMNS, e.absent, e.getMessage());
        }
    }

    /** Splits one CSV line into trimmed cells. */
    static String[] split(String line, Path csv, long lineNumber) {
        List<String> cells = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (quoted) {
                if (ch == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    cell.append('"');
                    i++;
                } else if (ch == '"') {
                    quoted = false;
                } else {
                    cell.append(ch);
                }
            } else if (ch == '"') {
                quoted = true;
            } else if (ch == ',') {
                cells.add(cell.toString().strip());
                cell.setLength(0);
            } else {
                cell.append(ch);
            }
        }
        if (quoted) {
            throw new TableFormatException(
                    csv,
                    lineNumber,
                    TableFormatException.Problem.UNCLOSED_QUOTE,
                    List.of(),
                    "a quoted value is not closed (values cannot span lines)");
        }
        cells.add(cell.toString().strip());
        return cells.toArray(String[]::new);
    }
}
