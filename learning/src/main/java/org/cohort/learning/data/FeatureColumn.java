package org.cohort.learning.data;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/** One input column of a table and how it becomes part of the model's feature vector. */
public sealed interface FeatureColumn permits FeatureColumn.Numeric, FeatureColumn.Categorical {

    /** The column's name in the table header. */
    String name();

    /** How many model inputs this column becomes. */
    int encodedWidth();

    /** Names of the model inputs this column becomes, in order. */
    List<String> encodedNames();

    /** A numeric column scaled as {@code (x - center) / scale} with constants the study declares. */
    static Numeric numeric(String name, double center, double scale) {
        return new Numeric(name, center, scale);
    }

    /**
     * A numeric column that each site standardises with the mean and standard deviation of its own
     * training split (see {@link Standardisation}).
     */
    static Numeric locallyStandardised(String name) {
        return new Numeric(name, null, null);
    }

    /** A categorical column, one-hot encoded over {@code levels}. */
    static Categorical categorical(String name, String... levels) {
        return new Categorical(name, List.of(levels));
    }

    /**
     * A numeric column.
     *
     * <p>With {@code center} and {@code scale} given, every site applies the same declared scaling,
     * so all sites share one feature space. With both null, each site standardises with statistics
     * fitted on its own training split only: never pooled, so no site's data informs another's
     * preprocessing. Local standardisation suits measurements whose units differ between sites;
     * it is wrong for features whose site-to-site differences carry signal (a feature nearly
     * constant at one site would be blown up into noise there), which then need declared scaling.
     * A differentially private study allows declared scaling only (see {@link PreprocessingPolicy}):
     * fitted statistics make every row depend on every other row.
     */
    record Numeric(String name, Double center, Double scale) implements FeatureColumn {
        public Numeric {
            requireName(name);
            if ((center == null) != (scale == null)) {
                throw new IllegalArgumentException("column '" + name
                        + "': give both center and scale (declared scaling) or neither (local standardisation)");
            }
            if (center != null && !Double.isFinite(center)) {
                throw new IllegalArgumentException("column '" + name + "': center must be finite, was " + center);
            }
            if (scale != null && (!(scale > 0) || Double.isInfinite(scale))) {
                throw new IllegalArgumentException(
                        "column '" + name + "': scale must be finite and above 0, was " + scale);
            }
        }

        /** True when the site fits this column's scaling on its own training split. */
        public boolean locallyStandardised() {
            return center == null;
        }

        @Override
        public int encodedWidth() {
            return 1;
        }

        @Override
        public List<String> encodedNames() {
            return List.of(name);
        }
    }

    /**
     * A categorical column, one-hot encoded: one model input per level, named {@code name=level}.
     * A value outside {@code levels} is a data error, not a silent all-zero row, because it usually
     * means the site codes the column differently from what the study declared.
     */
    record Categorical(String name, List<String> levels) implements FeatureColumn {
        public Categorical {
            requireName(name);
            levels = List.copyOf(levels);
            if (levels.isEmpty()) {
                throw new IllegalArgumentException("categorical column '" + name + "' needs at least one level");
            }
            if (new HashSet<>(levels).size() != levels.size()) {
                throw new IllegalArgumentException("categorical column '" + name + "' lists a level twice: " + levels);
            }
        }

        @Override
        public int encodedWidth() {
            return levels.size();
        }

        @Override
        public List<String> encodedNames() {
            return levels.stream().map(level -> name + "=" + level).toList();
        }

        /**
         * The index of {@code value} among the levels, or -1. Values also match numerically
         * ("1.0" matches level "1"), because exports of the same code book disagree on whether
         * integer codes carry a decimal point (the Cleveland heart file writes 1.0, the others 1).
         */
        public int indexOf(String value) {
            int exact = levels.indexOf(value);
            if (exact >= 0) {
                return exact;
            }
            Double number = Numbers.parseOrNull(value);
            if (number == null) {
                return -1;
            }
            for (int i = 0; i < levels.size(); i++) {
                Double level = Numbers.parseOrNull(levels.get(i));
                if (level != null && level.doubleValue() == number.doubleValue()) {
                    return i;
                }
            }
            return -1;
        }
    }

    private static void requireName(String name) {
        Objects.requireNonNull(name, "column name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("column names must not be blank");
        }
    }
}
