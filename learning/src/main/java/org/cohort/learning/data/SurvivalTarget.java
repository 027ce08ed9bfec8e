package org.cohort.learning.data;

import java.util.List;
import java.util.Objects;

/**
 * The outcome of a survival study: a time column (time to the event or to censoring, never
 * negative) and an event column (the schema's label column: 1 when the event was observed at that
 * time, 0 when the patient was censored then), and the cut points that divide the time axis into
 * the intervals of a discrete-time survival model (Andreux et al. 2020).
 *
 * <p>The cut points are public parameters of the study, fixed before anyone looks at a site's data
 * (never quantiles of a site's times, which would be a release outside every ε). With cut points
 * t_1 &lt; ... &lt; t_{K-1} the K intervals are [0, t_1), [t_1, t_2), ..., [t_{K-1}, ∞), and the
 * model predicts one hazard per interval: the probability of the event in it, given survival to
 * its start. A patient whose time falls in interval j contributes "survived" to the intervals
 * before j, and "event" to interval j when the event was observed; a patient censored in
 * interval j says nothing about it or later ones (masked out). Each patient's loss involves that
 * patient alone, so DP-SGD's per-example clipping bounds one patient's influence on a step.
 *
 * @param timeColumn the column holding the time to the event or to censoring
 * @param cutPoints the interval boundaries: finite, positive, strictly increasing; at least one
 */
public record SurvivalTarget(String timeColumn, List<Double> cutPoints) {

    /** Most intervals a study may declare (the model has one output per interval). */
    public static final int MAX_INTERVALS = 256;

    public SurvivalTarget {
        Objects.requireNonNull(timeColumn, "timeColumn");
        if (timeColumn.isBlank()) {
            throw new IllegalArgumentException("a survival study needs a time column");
        }
        cutPoints = List.copyOf(Objects.requireNonNull(cutPoints, "cutPoints"));
        String problem = cutPointsProblem(cutPoints);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    /** Why {@code cutPoints} cannot divide a time axis, or null when they can (shared with the study checks). */
    public static String cutPointsProblem(List<Double> cutPoints) {
        if (cutPoints == null || cutPoints.isEmpty()) {
            return "cutPoints must list at least one time (the boundaries of the model's intervals)";
        }
        if (cutPoints.size() + 1 > MAX_INTERVALS) {
            return "cutPoints may list at most " + (MAX_INTERVALS - 1) + " times, got " + cutPoints.size();
        }
        double previous = 0;
        for (Double t : cutPoints) {
            if (t == null || !Double.isFinite(t) || !(t > previous)) {
                return "cutPoints must be finite, positive and strictly increasing, got " + cutPoints;
            }
            previous = t;
        }
        return null;
    }

    /** Number of intervals K: the model's number of outputs. */
    public int intervals() {
        return cutPoints.size() + 1;
    }

    /** The interval of {@code time}: the number of cut points at or below it. */
    public int intervalOf(double time) {
        int j = 0;
        while (j < cutPoints.size() && time >= cutPoints.get(j)) {
            j++;
        }
        return j;
    }

    /**
     * The time of one row, checked.
     *
     * @throws IllegalArgumentException when the cell is not a finite number at least 0
     */
    static double time(String cell) {
        Double value = Numbers.parseOrNull(cell);
        if (value == null || value < 0) {
            throw new IllegalArgumentException("time '" + cell + "' is not a finite number at least 0 (times count from"
                    + " the start of follow-up; a negative time is a data error)");
        }
        return value;
    }

    /**
     * The event flag of one row, checked.
     *
     * @throws IllegalArgumentException when the cell is not 0 or 1
     */
    static boolean event(String cell) {
        Double value = Numbers.parseOrNull(cell);
        if (value == null || (value != 0 && value != 1)) {
            throw new IllegalArgumentException(
                    "event '" + cell + "' is not 0 (censored) or 1 (event observed); recode the column");
        }
        return value == 1;
    }
}
