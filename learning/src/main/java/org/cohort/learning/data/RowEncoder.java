package org.cohort.learning.data;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns the cells of one table row into an encoded feature vector and a class, as a schema says.
 * Declared scaling is applied here; locally standardised columns are left raw, because their
 * statistics may only be fitted after the site's train/test split (see {@link Standardisation}).
 */
final class RowEncoder {

    private final TabularSchema schema;
    /** Cells that mean "not recorded", as the study's table format declares. */
    private final java.util.function.Predicate<String> missing;

    private final int[] featureCells;
    private final int labelCell;
    private final int idCell;
    private final int timeCell;
    private final int width;

    /** @throws IllegalArgumentException naming the columns the header lacks */
    RowEncoder(TabularSchema schema, List<String> header, java.util.function.Predicate<String> missing) {
        this.schema = schema;
        this.missing = missing;
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < header.size(); i++) {
            index.putIfAbsent(header.get(i), i);
        }
        List<String> absent = new ArrayList<>();
        for (String column : schema.requiredColumns()) {
            if (!index.containsKey(column)) {
                absent.add(column);
            }
        }
        if (!absent.isEmpty()) {
            throw new MissingColumnsException(
                    absent,
                    "the table has no column " + String.join(", ", absent)
                            + " (the header has " + header
                            + "); rename the column or fix the study's schema; if the file"
                            + " has no header row, its first row was read as one: add a line naming the columns");
        }
        this.featureCells =
                schema.features().stream().mapToInt(c -> index.get(c.name())).toArray();
        this.labelCell = index.get(schema.labelColumn());
        this.idCell = schema.idColumn() == null ? -1 : index.get(schema.idColumn());
        this.timeCell = schema.isSurvival() ? index.get(schema.survival().timeColumn()) : -1;
        this.width = schema.numEncodedFeatures();
    }

    /** True when a cell the schema uses is missing, so the row is to be dropped. */
    boolean hasMissing(String[] cells) {
        for (int cell : featureCells) {
            if (missing.test(cells[cell])) {
                return true;
            }
        }
        return missing.test(cells[labelCell])
                || (idCell >= 0 && missing.test(cells[idCell]))
                || (timeCell >= 0 && missing.test(cells[timeCell]));
    }

    /** The row's patient id, or null when the schema names no id column. */
    String patientId(String[] cells) {
        return idCell < 0 ? null : cells[idCell];
    }

    /** Encodes the row's features into {@code out} (length {@link TabularSchema#numEncodedFeatures()}). */
    void encodeFeatures(String[] cells, float[] out) {
        if (out.length != width) {
            throw new IllegalArgumentException("output has width " + out.length + ", schema encodes " + width);
        }
        int position = 0;
        List<FeatureColumn> columns = schema.features();
        for (int c = 0; c < columns.size(); c++) {
            String cell = cells[featureCells[c]];
            switch (columns.get(c)) {
                case FeatureColumn.Numeric numeric -> {
                    Double value = Numbers.parseOrNull(cell);
                    if (value == null) {
                        throw new CellException(
                                numeric.name(),
                                TableFormatException.Problem.NOT_A_NUMBER,
                                "'" + cell + "' is not a finite number");
                    }
                    double scaled =
                            numeric.locallyStandardised() ? value : (value - numeric.center()) / numeric.scale();
                    out[position++] = (float) scaled;
                }
                case FeatureColumn.Categorical categorical -> {
                    int level = categorical.indexOf(cell);
                    if (level < 0) {
                        throw new CellException(
                                categorical.name(),
                                TableFormatException.Problem.UNKNOWN_LEVEL,
                                "'" + cell + "' is not one of the declared levels " + categorical.levels()
                                        + "; recode the column or add the level to the schema");
                    }
                    out[position + level] = 1f;
                    position += categorical.encodedWidth();
                }
            }
        }
    }

    /** The row's class; in a survival study the interval of its time (after checking its time and event). */
    int encodeLabel(String[] cells) {
        if (schema.isRegression()) {
            regressionTarget(cells);
            return 0;
        }
        if (timeCell >= 0) {
            survivalEvent(cells);
            return schema.survival().intervalOf(survivalTime(cells));
        }
        try {
            return schema.labelRule().classOf(cells[labelCell]);
        } catch (IllegalArgumentException e) {
            throw new CellException(schema.labelColumn(), TableFormatException.Problem.BAD_LABEL, e.getMessage());
        }
    }

    /** A regression row's label, scaled to [0, 1] by the study's declared range (a non-number is refused). */
    double regressionTarget(String[] cells) {
        try {
            return schema.regression().label(cells[labelCell]);
        } catch (IllegalArgumentException e) {
            throw new CellException(schema.labelColumn(), TableFormatException.Problem.BAD_LABEL, e.getMessage());
        }
    }

    /** A survival row's time: finite and at least 0. */
    double survivalTime(String[] cells) {
        try {
            return SurvivalTarget.time(cells[timeCell]);
        } catch (IllegalArgumentException e) {
            throw new CellException(
                    schema.survival().timeColumn(), TableFormatException.Problem.BAD_LABEL, e.getMessage());
        }
    }

    /** A survival row's event flag: 0 or 1. */
    boolean survivalEvent(String[] cells) {
        try {
            return SurvivalTarget.event(cells[labelCell]);
        } catch (IllegalArgumentException e) {
            throw new CellException(schema.labelColumn(), TableFormatException.Problem.BAD_LABEL, e.getMessage());
        }
    }

    /** A bad cell, before the caller adds where the row came from. */
    static final class CellException extends RuntimeException {
        final String column;
        final TableFormatException.Problem problem;

        CellException(String column, TableFormatException.Problem problem, String message) {
            super("column '" + column + "': " + message);
            this.column = column;
            this.problem = problem;
        }
    }

    /** The header lacks columns the schema needs. */
    static final class MissingColumnsException extends IllegalArgumentException {
        final List<String> absent;

        MissingColumnsException(List<String> absent, String message) {
            super(message);
            this.absent = List.copyOf(absent);
        }
    }
}
