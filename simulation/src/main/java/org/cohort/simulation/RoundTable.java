package org.cohort.simulation;

import java.io.PrintStream;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * The live per-round table. A round's row appears once the model it produced has been
 * evaluated by the sites on their held-out data (that happens at the start of the next
 * round, or in the final evaluation); under DP, where no round's evaluation is released, as soon
 * as the round completes.
 */
final class RoundTable {
    private final PrintStream out;
    private final List<String> siteNames;
    private final Map<String, String> siteIds;
    private final Set<String> printed = new HashSet<>();
    private int nextRound = 1;
    private double totalRoundSeconds;
    private int timedRounds;
    private Accuracies finalEvaluation;
    private ScoreFigures finalScores;
    /** The study's privacy view (GET /api/studies/{id}/privacy), or null when the study has no DP. */
    private final java.util.function.Supplier<JsonNode> privacy;

    private final Metric metric;

    RoundTable(
            PrintStream out,
            List<String> siteNames,
            Map<String, String> siteIds,
            java.util.function.Supplier<JsonNode> privacy) {
        this(out, Metric.ACCURACY, siteNames, siteIds, privacy);
    }

    /**
     * As above, for a study whose held-out metric is {@code metric} (for a survival study the sites
     * report their C-index as half pairs, and the pooled column is the C-index over the pairs within
     * each site).
     */
    RoundTable(
            PrintStream out,
            Metric metric,
            List<String> siteNames,
            Map<String, String> siteIds,
            java.util.function.Supplier<JsonNode> privacy) {
        this.metric = metric;
        this.privacy = privacy;
        this.out = out;
        this.siteNames = siteNames;
        this.siteIds = siteIds;
    }

    void header() {
        var sb = new StringBuilder(String.format(
                Locale.ROOT, "%5s  %5s  %10s  %10s", "round", "sites", "train loss", metric.pooledColumn));
        for (String name : siteNames) {
            sb.append(String.format(Locale.ROOT, "  %12s", abbreviate(name)));
        }
        sb.append(String.format(Locale.ROOT, "  %7s", "time"));
        out.println(sb);
    }

    void update(JsonNode rounds) {
        var byNumber = new LinkedHashMap<Integer, JsonNode>();
        var evaluatedVersions = new HashSet<Long>();
        for (JsonNode r : rounds) {
            // A version's evaluation is complete once the round that distributed it has closed.
            if (r.get("status").asString().equals("COMPLETED")) {
                evaluatedVersions.add(r.get("baseVersion").asLong());
            }
        }
        for (JsonNode r : rounds) {
            String key = r.get("roundNumber").asInt() + "/" + r.get("attempt").asInt();
            if (r.get("status").asString().equals("FAILED") && printed.add(key)) {
                out.printf(
                        Locale.ROOT,
                        "round %d attempt %d failed: %s — retrying%n",
                        r.get("roundNumber").asInt(),
                        r.get("attempt").asInt(),
                        r.get("detail").asString());
            }
            if (r.get("status").asString().equals("COMPLETED")) {
                byNumber.put(r.get("roundNumber").asInt(), r);
            }
            if (r.get("kind").asString().equals("EVALUATE")
                    && r.get("status").asString().equals("COMPLETED")
                    && hasEvaluation(r)) {
                finalEvaluation = accuracies(r.get("evaluation"));
                finalScores = ScoreFigures.of(r.get("evaluation"), siteNames, siteIds);
            }
        }
        while (byNumber.containsKey(nextRound)) {
            JsonNode r = byNumber.get(nextRound);
            if (!r.get("kind").asString().equals("TRAIN")) {
                return;
            }
            // Under DP the sites release no per-round evaluation: a round's row need not wait for one.
            boolean waitForEvaluation = privacy == null;
            if (waitForEvaluation
                    && (!hasEvaluation(r)
                            || !evaluatedVersions.contains(
                                    r.get("resultVersion").asLong()))) {
                return;
            }
            printRow(r);
            nextRound++;
        }
    }

    private void printRow(JsonNode r) {
        // Under DP only the final evaluation is released (noised); the rounds before show "withheld".
        var eval = hasEvaluation(r) ? accuracies(r.get("evaluation")) : null;
        double seconds = r.get("durationMillis").asLong() / 1000.0;
        totalRoundSeconds += seconds;
        timedRounds++;
        // Under DP the sites withhold their training loss (it is not covered by ε): shown as "withheld".
        String loss = r.get("trainLoss").isNull()
                ? "withheld"
                : String.format(Locale.ROOT, "%.4f", r.get("trainLoss").asDouble());
        var sb = new StringBuilder(String.format(
                Locale.ROOT,
                "%5d  %5s  %10s  %10s",
                r.get("roundNumber").asInt(),
                r.get("reported").size() + "/" + r.get("selected").size(),
                loss,
                eval == null ? "withheld" : metric.format(eval.pooled())));
        for (String name : siteNames) {
            Double acc = eval == null ? null : eval.bySite().get(name);
            sb.append(String.format(
                    Locale.ROOT, "  %12s", eval == null ? "withheld" : acc == null ? "-" : metric.format(acc)));
        }
        sb.append(String.format(Locale.ROOT, "  %5.1f s", seconds));
        out.println(sb);
        if (privacy != null) {
            printEpsilonRow(r.get("roundNumber").asInt());
        }
    }

    /** Under each site's accuracy: the ε it has spent after this round, from the coordinator's ledger. */
    private void printEpsilonRow(int roundNumber) {
        JsonNode view = privacy.get();
        var bySiteId = new LinkedHashMap<String, Double>();
        for (JsonNode site : view.get("sites")) {
            for (JsonNode c : site.get("charges")) {
                if (c.get("roundNumber").asInt() == roundNumber) {
                    bySiteId.put(
                            site.get("siteId").asString(), c.get("epsilonAfter").asDouble());
                }
            }
        }
        var sb = new StringBuilder(String.format(Locale.ROOT, "%5s  %5s  %10s  %10s", "", "", "", "ε spent"));
        for (String name : siteNames) {
            Double eps = bySiteId.get(siteIds.get(name));
            sb.append(
                    String.format(Locale.ROOT, "  %12s", eps == null ? "-" : String.format(Locale.ROOT, "%.4f", eps)));
        }
        out.println(sb);
    }

    private static boolean hasEvaluation(JsonNode r) {
        return r.has("evaluation") && !r.get("evaluation").isNull();
    }

    private Accuracies accuracies(JsonNode evaluation) {
        var bySite = new LinkedHashMap<String, Double>();
        var fields = evaluation.get("accuracyBySite");
        for (String name : siteNames) {
            String id = siteIds.get(name);
            if (id != null && fields.has(id)) {
                bySite.put(name, fields.get(id).asDouble());
            }
        }
        return new Accuracies(bySite, evaluation.get("pooledAccuracy").asDouble());
    }

    Accuracies finalEvaluation() {
        return finalEvaluation;
    }

    /** A binary study's AUROC, AUPRC and calibration error of the final evaluation as reported; null when none. */
    ScoreFigures finalScores() {
        return finalScores;
    }

    double meanRoundSeconds() {
        return timedRounds == 0 ? 0 : totalRoundSeconds / timedRounds;
    }

    static String abbreviate(String s) {
        return s.length() <= 12 ? s : s.substring(0, 12);
    }
}
