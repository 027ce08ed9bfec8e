package org.cohort.coordinator.api;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.cohort.coordinator.round.RoundRepository.EvaluationRow;
import org.cohort.protocol.ScoreHistogram;
import org.cohort.protocol.ScoreHistogramMetrics;

/**
 * A binary study's ranking and calibration figures from its sites' score histograms, per site and
 * pooled (the metrics of the summed histograms: post-processing, so under DP no further ε). Figures
 * that are undefined (a site without both classes) are null, as JSON has no NaN.
 *
 * @param auroc area under the ROC curve of the binned scores
 * @param auprc average precision
 * @param calibrationError expected calibration error, bin midpoints standing for mean predictions
 * @param examples rows the figures are over (noised under DP)
 */
public record ScoreMetricsView(Double auroc, Double auprc, Double calibrationError, long examples) {

    static ScoreMetricsView of(ScoreHistogram histogram) {
        var m = ScoreHistogramMetrics.of(histogram);
        return new ScoreMetricsView(orNull(m.auroc()), orNull(m.auprc()), orNull(m.calibrationError()), m.examples());
    }

    /**
     * The pooled and per-site figures of {@code rows}, or null when any row carries no histogram
     * (a multiclass or survival study, or an agent that sends none: a partial pool would mislead).
     */
    public record Pooled(ScoreMetricsView pooled, Map<String, ScoreMetricsView> bySite) {
        static Pooled of(List<EvaluationRow> rows) {
            if (rows.isEmpty() || rows.stream().anyMatch(r -> r.scores() == null)) {
                return null;
            }
            var bySite = new TreeMap<String, ScoreMetricsView>();
            rows.forEach(r -> bySite.put(r.siteId(), ScoreMetricsView.of(r.scores())));
            return new Pooled(
                    ScoreMetricsView.of(ScoreHistogram.sum(
                            rows.stream().map(EvaluationRow::scores).toList())),
                    bySite);
        }
    }

    private static Double orNull(double value) {
        return Double.isNaN(value) ? null : value;
    }
}
