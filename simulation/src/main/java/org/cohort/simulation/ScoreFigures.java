package org.cohort.simulation;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * A binary study's AUROC, AUPRC and calibration error as the coordinator reports its final
 * evaluation (the {@code scores} of GET /api/studies/{id}/rounds): per site, by the demo's site
 * names, and pooled over the summed histograms.
 */
record ScoreFigures(Map<String, Figures> bySite, Figures pooled) {

    /** One histogram's figures; null where undefined (a site without both classes). */
    record Figures(Double auroc, Double auprc, Double calibrationError) {
        static Figures of(JsonNode node) {
            return new Figures(value(node, "auroc"), value(node, "auprc"), value(node, "calibrationError"));
        }

        private static Double value(JsonNode node, String field) {
            JsonNode v = node.get(field);
            return v == null || v.isNull() ? null : v.asDouble();
        }
    }

    /** The figures of a reported evaluation, or null when it carries none (a multiclass or survival study). */
    static ScoreFigures of(JsonNode evaluation, List<String> siteNames, Map<String, String> siteIds) {
        JsonNode scores = evaluation.get("scores");
        if (scores == null || scores.isNull()) {
            return null;
        }
        var bySite = new LinkedHashMap<String, Figures>();
        JsonNode sites = scores.get("bySite");
        for (String name : siteNames) {
            String id = siteIds.get(name);
            if (id != null && sites.has(id)) {
                bySite.put(name, Figures.of(sites.get(id)));
            }
        }
        return new ScoreFigures(bySite, Figures.of(scores.get("pooled")));
    }

    /** A table of the figures, pooled first, under {@code title}. */
    void print(PrintStream out, String title) {
        out.println(title);
        out.printf(Locale.ROOT, "%-14s  %7s  %7s  %7s%n", "", "AUROC", "AUPRC", "ECE");
        row(out, "pooled", pooled);
        bySite.forEach((name, f) -> row(out, RoundTable.abbreviate(name), f));
    }

    private static void row(PrintStream out, String label, Figures f) {
        out.printf(
                Locale.ROOT,
                "%-14s  %7s  %7s  %7s%n",
                label,
                format(f.auroc()),
                format(f.auprc()),
                format(f.calibrationError()));
    }

    private static String format(Double v) {
        return v == null ? "-" : String.format(Locale.ROOT, "%.3f", v);
    }
}
