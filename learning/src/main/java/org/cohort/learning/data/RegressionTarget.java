package org.cohort.learning.data;

import java.util.List;

/**
 * The outcome of a regression study: a numeric label column and the range the study declares for it,
 * {@code [min, max]}. Labels are scaled to [0, 1] by that range (clamped: a value outside it counts as
 * its nearest end), the model predicts the scaled value with an identity output and squared-error
 * loss, and every error a site measures lies in [−1, 1] once prediction and label are clamped to the
 * range, which is what bounds one patient's effect on the released error sums.
 *
 * <p>The range is public, declared by the study before any site's data is seen (e.g. the column's
 * physiological or recorded range), never the minimum and maximum of a site's values: those would be
 * statistics of the data outside every ε, and would differ from site to site.
 *
 * @param min the declared lower end, finite
 * @param max the declared upper end, finite and above {@code min}
 */
public record RegressionTarget(double min, double max) {

    public RegressionTarget {
        String problem = rangeProblem(List.of(min, max));
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    /** Why {@code range} cannot be a regression study's label range, or null when it can (shared with the study checks). */
    public static String rangeProblem(List<Double> range) {
        if (range == null || range.size() != 2) {
            return "labelRange must be two numbers [min, max]: the range the label column is declared to take (public,"
                    + " chosen before looking at any site's data), got " + range;
        }
        Double min = range.get(0);
        Double max = range.get(1);
        if (min == null || max == null || !Double.isFinite(min) || !Double.isFinite(max)) {
            return "labelRange must be two finite numbers [min, max], got " + range;
        }
        if (!(min < max)) {
            return "labelRange [min, max] must have min below max, got " + range;
        }
        if (!Double.isFinite(max - min)) {
            return "labelRange is too wide for double precision, got " + range;
        }
        return null;
    }

    /** The width R = max − min: errors on the scaled labels are in units of R. */
    public double width() {
        return max - min;
    }

    /** A label value scaled to [0, 1] by the declared range, clamped to it. */
    public double scaled(double value) {
        return Math.max(0, Math.min(1, (value - min) / width()));
    }

    /** A scaled prediction back in the label column's unit. */
    public double original(double scaledValue) {
        return min + scaledValue * width();
    }

    /**
     * The label of one row, scaled, checked.
     *
     * @throws IllegalArgumentException when the cell is not a finite number
     */
    double label(String cell) {
        Double value = Numbers.parseOrNull(cell);
        if (value == null) {
            throw new IllegalArgumentException("label '" + cell + "' is not a finite number; a regression study's label"
                    + " column holds numbers (recode it, or mark a value not recorded as missing)");
        }
        return scaled(value);
    }
}
