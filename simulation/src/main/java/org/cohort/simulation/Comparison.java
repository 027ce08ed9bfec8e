package org.cohort.simulation;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The closing table: federated against central and single-site training. */
final class Comparison {
    private Comparison() {}

    static void print(
            PrintStream out,
            List<String> sites,
            String federatedLabel,
            Accuracies federated,
            Baselines.Result baselines) {
        print(out, Metric.ACCURACY, sites, federatedLabel, federated, null, null, baselines);
    }

    /**
     * As above, with the federated model's evaluation as the sites released it under DP (from noised
     * counts) in a row of its own, below the exact figures the demo measures on the rows it holds.
     */
    static void print(
            PrintStream out,
            Metric metric,
            List<String> sites,
            String federatedLabel,
            Accuracies federated,
            String releasedLabel,
            Accuracies released,
            Baselines.Result baselines) {
        var sb = new StringBuilder(String.format(Locale.ROOT, "%-46s  %10s", "model (" + metric.title + ")", "pooled"));
        for (String s : sites) {
            sb.append(String.format(Locale.ROOT, "  %12s", RoundTable.abbreviate(s)));
        }
        out.println(sb);
        row(out, metric, federatedLabel, federated, sites);
        if (released != null) {
            row(out, metric, releasedLabel, released, sites);
        }
        row(out, metric, "central (pooled data)", baselines.central(), sites);
        for (Map.Entry<String, Accuracies> e : baselines.singleSite().entrySet()) {
            row(out, metric, "only " + e.getKey(), e.getValue(), sites);
        }
    }

    private static void row(PrintStream out, Metric metric, String label, Accuracies acc, List<String> sites) {
        if (acc == null) {
            out.printf("%-46s  (not available)%n", label);
            return;
        }
        var sb = new StringBuilder(String.format(Locale.ROOT, "%-46s  %10s", label, metric.format(acc.pooled())));
        for (String s : sites) {
            Double v = acc.bySite().get(s);
            sb.append(String.format(Locale.ROOT, "  %12s", v == null ? "-" : metric.format(v)));
        }
        out.println(sb);
    }
}
