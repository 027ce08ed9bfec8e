package org.cohort.coordinator.api;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.cohort.coordinator.round.RoundRepository.EvaluationRow;
import org.cohort.protocol.ErrorSums;

/**
 * A regression study's error figures from its sites' error sums, per site and pooled (the figures of
 * the summed sums: post-processing, so under DP no further ε), in the label column's unit. Figures
 * that are undefined (no rows, or a noised count of 0 or less) are null, as JSON has no NaN.
 *
 * @param mae mean absolute error, prediction and label clamped to the declared range
 * @param rmse root mean squared error, likewise
 * @param examples rows the figures are over (noised under DP)
 */
public record ErrorMetricsView(Double mae, Double rmse, long examples) {

    static ErrorMetricsView of(ErrorSums sums, double width) {
        return new ErrorMetricsView(
                orNull(sums.meanAbsoluteError(width)), orNull(sums.rootMeanSquaredError(width)), sums.examples());
    }

    /**
     * The pooled and per-site figures of {@code rows} for a label range of {@code width}, or null when
     * any row carries no error sums (not a regression study; a partial pool would mislead).
     */
    public record Pooled(ErrorMetricsView pooled, Map<String, ErrorMetricsView> bySite) {
        static Pooled of(List<EvaluationRow> rows, double width) {
            if (rows.isEmpty() || !(width > 0) || rows.stream().anyMatch(r -> r.errors() == null)) {
                return null;
            }
            var bySite = new TreeMap<String, ErrorMetricsView>();
            rows.forEach(r -> bySite.put(r.siteId(), ErrorMetricsView.of(r.errors(), width)));
            return new Pooled(
                    ErrorMetricsView.of(
                            ErrorSums.sum(
                                    rows.stream().map(EvaluationRow::errors).toList()),
                            width),
                    bySite);
        }
    }

    private static Double orNull(double value) {
        return Double.isNaN(value) ? null : value;
    }
}
