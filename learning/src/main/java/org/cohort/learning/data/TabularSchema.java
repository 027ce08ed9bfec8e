package org.cohort.learning.data;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What a study expects of a site's table: the feature columns (and their encoding), the label
 * column and how labels become classes. Every site encodes with the same schema, so every site
 * produces feature vectors of the same width and meaning.
 *
 * @param idColumn the column holding a patient id, used only to key the site's train/test split
 *     (never a feature, never sent); null when the table has none and rows are keyed by content
 * @param survival for a survival study, its time column and intervals (the label column is then the
 *     event column, 0 or 1, and each row's class is the interval of its time); null for classification
 * @param regression for a regression study, the declared range of its numeric label column (each row's
 *     target is the label scaled to [0, 1] by it, and the model has one output); null otherwise
 */
public record TabularSchema(
        List<FeatureColumn> features,
        String labelColumn,
        LabelRule labelRule,
        String idColumn,
        SurvivalTarget survival,
        RegressionTarget regression) {

    /** A classification or survival schema. */
    public TabularSchema(
            List<FeatureColumn> features,
            String labelColumn,
            LabelRule labelRule,
            String idColumn,
            SurvivalTarget survival) {
        this(features, labelColumn, labelRule, idColumn, survival, null);
    }

    /** A schema without a patient id column. */
    public TabularSchema(List<FeatureColumn> features, String labelColumn, LabelRule labelRule) {
        this(features, labelColumn, labelRule, null, null);
    }

    /** A classification schema. */
    public TabularSchema(List<FeatureColumn> features, String labelColumn, LabelRule labelRule, String idColumn) {
        this(features, labelColumn, labelRule, idColumn, null);
    }

    /**
     * A survival schema: {@code eventColumn} holds 0 (censored) or 1 (event), {@code target} the time
     * column and the intervals.
     */
    public static TabularSchema survival(
            List<FeatureColumn> features, String eventColumn, SurvivalTarget target, String idColumn) {
        return new TabularSchema(
                features, eventColumn, LabelRule.classIndex(2), idColumn, Objects.requireNonNull(target, "target"));
    }

    /**
     * A regression schema: {@code labelColumn} holds a number, scaled to [0, 1] by {@code target}'s
     * declared range.
     */
    public static TabularSchema regression(
            List<FeatureColumn> features, String labelColumn, RegressionTarget target, String idColumn) {
        return new TabularSchema(
                features,
                labelColumn,
                LabelRule.classIndex(2),
                idColumn,
                null,
                Objects.requireNonNull(target, "target"));
    }

    public TabularSchema {
        features = List.copyOf(features);
        if (survival != null && regression != null) {
            throw new IllegalArgumentException("a schema is of a survival or a regression study, not both");
        }
        Objects.requireNonNull(labelColumn, "labelColumn");
        Objects.requireNonNull(labelRule, "labelRule");
        if (features.isEmpty()) {
            throw new IllegalArgumentException("a schema needs at least one feature column");
        }
        Set<String> seen = new HashSet<>();
        for (FeatureColumn column : features) {
            if (!seen.add(column.name())) {
                throw new IllegalArgumentException("feature column '" + column.name() + "' is listed twice");
            }
        }
        if (seen.contains(labelColumn)) {
            throw new IllegalArgumentException(
                    "column '" + labelColumn + "' is both a feature and the label; remove it from the features");
        }
        if (idColumn != null && (idColumn.isBlank() || seen.contains(idColumn) || idColumn.equals(labelColumn))) {
            throw new IllegalArgumentException("the id column '" + idColumn
                    + "' must be a column of its own: not blank, not a feature, not the label");
        }
        if (survival != null) {
            String time = survival.timeColumn();
            if (seen.contains(time) || time.equals(labelColumn) || time.equals(idColumn)) {
                throw new IllegalArgumentException("the time column '" + time
                        + "' must be a column of its own: not a feature, not the event column, not the id column");
            }
        }
    }

    /** A copy of this schema whose rows are keyed by the patient id in {@code column}. */
    public TabularSchema withIdColumn(String column) {
        return new TabularSchema(features, labelColumn, labelRule, column, survival, regression);
    }

    /** Whether this is a survival study (time and event columns, interval hazards). */
    public boolean isSurvival() {
        return survival != null;
    }

    /** Whether this is a regression study (a numeric label scaled by a declared range, one model output). */
    public boolean isRegression() {
        return regression != null;
    }

    /** Width of the encoded feature vector: the model's number of inputs. */
    public int numEncodedFeatures() {
        return features.stream().mapToInt(FeatureColumn::encodedWidth).sum();
    }

    /** Names of the encoded features in vector order (one-hot inputs are named {@code column=level}). */
    public List<String> encodedFeatureNames() {
        List<String> names = new ArrayList<>();
        features.forEach(column -> names.addAll(column.encodedNames()));
        return List.copyOf(names);
    }

    /**
     * Number of label classes, or of a survival study's intervals, or 1 for a regression study's one
     * value: the model's number of outputs.
     */
    public int numClasses() {
        return survival != null ? survival.intervals() : regression != null ? 1 : labelRule.numClasses();
    }

    /** Positions in the encoded vector of the numeric columns each site standardises itself. */
    public int[] locallyStandardisedPositions() {
        List<Integer> positions = new ArrayList<>();
        int position = 0;
        for (FeatureColumn column : features) {
            if (column instanceof FeatureColumn.Numeric numeric && numeric.locallyStandardised()) {
                positions.add(position);
            }
            position += column.encodedWidth();
        }
        return positions.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The table columns this schema reads: the features, the label (event), the time, then the id column if any. */
    public List<String> requiredColumns() {
        List<String> columns =
                new ArrayList<>(features.stream().map(FeatureColumn::name).toList());
        columns.add(labelColumn);
        if (survival != null) {
            columns.add(survival.timeColumn());
        }
        if (idColumn != null) {
            columns.add(idColumn);
        }
        return List.copyOf(columns);
    }
}
