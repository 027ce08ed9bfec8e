package org.cohort.simulation;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The closing table of {@code ./demo.sh --strategy A,B,...}: one row per strategy's federation run
 * (same data, split and seeds), and the same figures as {@code comparison.json}. Pure rendering of
 * the runs' results, so that it is tested without running a federation.
 */
final class StrategyComparison {
    private StrategyComparison() {}

    /**
     * One strategy's run.
     *
     * @param strategy        the strategy as the study named it
     * @param detail          null when the study completed, else why it did not (its status and detail)
     * @param metric          the held-out metric of {@code pooled} and {@code bySite}
     * @param federated       the published model on each site's held-out rows and pooled (null when
     *                        the run produced no model)
     * @param roundsCompleted training rounds that completed
     * @param wallSeconds     from the coordinator's start to the study's end
     * @param bytesSent       model bytes the coordinator sent the sites ({@code cohort_model_bytes_total}),
     *                        or -1 when not measured
     * @param bytesReceived   update bytes the coordinator accepted from them ({@code cohort_upload_bytes_total}),
     *                        or -1 when not measured
     * @param epsilonBySite   ε spent by each site at the study's δ, or null without DP
     * @param summary         the run's summary.json, or null when it wrote none
     */
    record Entry(
            String strategy,
            String detail,
            Metric metric,
            Accuracies federated,
            int roundsCompleted,
            double wallSeconds,
            long bytesSent,
            long bytesReceived,
            Map<String, Double> epsilonBySite,
            String summary) {

        boolean completed() {
            return detail == null;
        }

        /** The most ε any site spent, or null without DP. */
        Double maxEpsilon() {
            return epsilonBySite == null || epsilonBySite.isEmpty()
                    ? null
                    : epsilonBySite.values().stream()
                            .mapToDouble(Double::doubleValue)
                            .max()
                            .orElseThrow();
        }

        /** A run that ended before it produced anything to compare. */
        static Entry failed(String strategy, Metric metric, String detail) {
            return new Entry(strategy, detail, metric, null, 0, 0, -1, -1, null, null);
        }
    }

    /** The table, with a heading naming what was compared; the sites are the columns, in {@code sites}' order. */
    static void print(PrintStream out, String heading, Metric metric, List<String> sites, List<Entry> entries) {
        out.println(heading);
        var sb = new StringBuilder(String.format(Locale.ROOT, "%-13s  %10s", "strategy", metric.pooledColumn));
        for (String s : sites) {
            sb.append(String.format(Locale.ROOT, "  %12s", RoundTable.abbreviate(s)));
        }
        sb.append(String.format(Locale.ROOT, "  %6s  %8s  %9s  %9s", "rounds", "time", "sent", "received"));
        boolean dp = entries.stream().anyMatch(e -> e.epsilonBySite() != null);
        if (dp) {
            sb.append(String.format(Locale.ROOT, "  %9s", "max ε"));
        }
        out.println(sb);
        for (Entry e : entries) {
            var row = new StringBuilder(String.format(
                    Locale.ROOT,
                    "%-13s  %10s",
                    e.strategy(),
                    e.federated() == null ? "-" : metric.format(e.federated().pooled())));
            for (String s : sites) {
                Double v = e.federated() == null ? null : e.federated().bySite().get(s);
                row.append(String.format(Locale.ROOT, "  %12s", v == null ? "-" : metric.format(v)));
            }
            row.append(String.format(
                    Locale.ROOT,
                    "  %6d  %8s  %9s  %9s",
                    e.roundsCompleted(),
                    String.format(Locale.ROOT, "%.1f s", e.wallSeconds()),
                    size(e.bytesSent()),
                    size(e.bytesReceived())));
            if (dp) {
                Double eps = e.maxEpsilon();
                row.append(String.format(
                        Locale.ROOT, "  %9s", eps == null ? "-" : String.format(Locale.ROOT, "%.4f", eps)));
            }
            out.println(row);
            if (!e.completed()) {
                out.printf("  %s did not complete: %s%n", e.strategy(), e.detail());
            }
        }
        out.println("(" + metric.title + " of each run's published model on the same held-out rows; time from the"
                + " coordinator's start to the study's end; sent/received: model bytes the coordinator sent the sites"
                + " and update bytes it accepted from them"
                + (dp ? "; max ε: the most any site spent, at δ = 1e-5" : "")
                + ")");
    }

    /** comparison.json: what was compared and one entry per strategy with the table's figures. */
    static ObjectNode json(JsonMapper json, Map<String, Object> setting, Metric metric, List<Entry> entries) {
        ObjectNode root = json.createObjectNode();
        root.set("setting", json.valueToTree(setting));
        root.put("metric", metric == Metric.C_INDEX ? "c-index" : "accuracy");
        ArrayNode list = root.putArray("strategies");
        for (Entry e : entries) {
            ObjectNode n = list.addObject();
            n.put("strategy", e.strategy());
            n.put("completed", e.completed());
            if (!e.completed()) {
                n.put("detail", e.detail());
            }
            if (e.federated() != null) {
                n.put("pooled", e.federated().pooled());
                n.set("bySite", json.valueToTree(e.federated().bySite()));
            } else {
                n.putNull("pooled");
                n.putNull("bySite");
            }
            n.put("roundsCompleted", e.roundsCompleted());
            n.put("wallSeconds", e.wallSeconds());
            putBytes(n, "bytesSent", e.bytesSent());
            putBytes(n, "bytesReceived", e.bytesReceived());
            if (e.epsilonBySite() != null) {
                n.set("epsilonBySite", json.valueToTree(e.epsilonBySite()));
                n.put("maxEpsilon", e.maxEpsilon());
            }
            if (e.summary() != null) {
                n.put("summary", e.summary());
            }
        }
        return root;
    }

    private static void putBytes(ObjectNode n, String field, long bytes) {
        if (bytes < 0) {
            n.putNull(field);
        } else {
            n.put(field, bytes);
        }
    }

    /** The columns: the sites of the first run with a model, in its order. */
    static List<String> sites(List<Entry> entries) {
        return entries.stream()
                .filter(e -> e.federated() != null)
                .findFirst()
                .map(e -> (List<String>) new ArrayList<>(e.federated().bySite().keySet()))
                .orElse(List.of());
    }

    /** Bytes as the table shows them: B, kB, MB or GB (powers of 1000), "-" when not measured. */
    static String size(long bytes) {
        if (bytes < 0) {
            return "-";
        }
        if (bytes < 1000) {
            return bytes + " B";
        }
        String[] units = {"kB", "MB", "GB", "TB"};
        double v = bytes;
        int u = -1;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    /** The value of a Prometheus counter in the text exposition, summed over its labels; -1 when absent. */
    static long counter(String prometheusText, String name) {
        double sum = 0;
        boolean found = false;
        for (String line : prometheusText.lines().toList()) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                found = true;
            }
        }
        return found ? Math.round(sum) : -1;
    }

    /** Ordered map helper for the setting block. */
    static Map<String, Object> setting(DemoOptions o, int sites) {
        var m = new LinkedHashMap<String, Object>();
        m.put("dataset", o.dataset());
        m.put("sites", sites);
        m.put("rounds", o.rounds());
        m.put("model", o.model());
        m.put("privacy", org.cohort.protocol.PrivacyWords.word(o.privacy()));
        if (org.cohort.protocol.PrivacyWords.isPrivate(o.privacy())) {
            m.put("epsilon", o.epsilon());
        }
        m.put("secureAggregation", o.secureAggregation());
        m.put("trainer", o.trainer());
        var options = new LinkedHashMap<String, Object>();
        for (String s : o.strategies()) {
            options.put(s, o.strategyOptions(s));
        }
        m.put("strategyOptions", options);
        return m;
    }
}
