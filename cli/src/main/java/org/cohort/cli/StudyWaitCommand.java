package org.cohort.cli;

import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;

/**
 * {@code cohort studies wait ID}: follows a study until it ends, a line per round as it changes,
 * and exits 0 only when it completed.
 */
@Command(
        name = "wait",
        mixinStandardHelpOptions = true,
        header = "follow a study until it ends; exit 0 when it completed",
        customSynopsis = "cohort studies wait ID [--timeout SECONDS] [--coordinator URL] [--token-file PATH]",
        description = "Prints a line each time one of the study's rounds changes (status, sites reported and dropped"
                + " with their reasons, training loss, pooled held-out accuracy) until the study is COMPLETED (exit"
                + " 0), FAILED or STOPPED (exit 1), or the timeout passes (exit 1).")
final class StudyWaitCommand extends CoordinatorCommand {
    @Parameters(index = "0", paramLabel = "ID", description = "the study, e.g. st-1a2b3c4d")
    private String study;

    @Option(
            names = "--timeout",
            paramLabel = "SECONDS",
            defaultValue = "1800",
            description = "give up after this long (default: ${DEFAULT-VALUE})")
    private long timeoutSeconds;

    StudyWaitCommand(CommandContext context) {
        super(context);
    }

    @Override
    public Integer call() throws InterruptedException {
        var client = coordinator();
        long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
        Map<String, String> shown = new HashMap<>();
        while (true) {
            JsonNode s = client.studies().get(study);
            for (JsonNode r : client.studies().rounds(study)) {
                String key =
                        r.path("kind").asString() + " " + r.path("roundNumber").asInt() + "/"
                                + r.path("attempt").asInt();
                String line = describe(r);
                if (!line.equals(shown.put(key, line))) {
                    context.out().println("  " + key + ": " + line);
                }
            }
            String status = s.path("status").asString();
            switch (status) {
                case "COMPLETED" -> {
                    context.out()
                            .println("study " + study + " COMPLETED: "
                                    + s.path("roundsDone").asInt() + " of "
                                    + s.path("rounds").asInt() + " rounds, model v"
                                    + s.path("currentVersion").asLong());
                    return Cohort.OK;
                }
                case "FAILED", "STOPPED" ->
                    throw new CommandFailed("study " + study + " " + status + ": "
                            + s.path("statusDetail").asString("no detail"));
                default -> {}
            }
            if (System.nanoTime() > deadline) {
                throw new CommandFailed("study " + study + " still " + status + " after " + timeoutSeconds + " s;"
                        + " wait again, or check the sites with GET /api/sites");
            }
            Thread.sleep(2000);
        }
    }

    /**
     * A round in one line: status, who reported, who dropped and why, loss, upload bytes where frozen
     * layers shortened the uploads, pooled accuracy (and a binary study's AUROC, AUPRC, ECE).
     */
    static String describe(JsonNode r) {
        var line = new StringBuilder(r.path("status").asString());
        line.append(", ")
                .append(r.path("reported").size())
                .append(" of ")
                .append(r.path("selected").size());
        line.append(" sites reported");
        r.path("dropped")
                .properties()
                .forEach(e -> line.append("; ")
                        .append(e.getKey())
                        .append(" dropped (")
                        .append(e.getValue().asString())
                        .append(')'));
        if (r.path("trainLoss").isNumber()) {
            line.append(String.format(
                    Locale.ROOT, ", train loss %.4f", r.path("trainLoss").asDouble()));
        }
        JsonNode upload = r.path("upload");
        if (upload.path("bytesSaved").asLong(0) > 0) {
            // Only where layers are frozen: then the uploads are shorter than the model, which downloads whole.
            long full = upload.path("fullModelBytes").asLong();
            line.append(String.format(
                    Locale.ROOT,
                    ", uploads %d B (%d values each; %d B with every parameter, %.0f%% saved by frozen layers)",
                    upload.path("bytesReceived").asLong(),
                    upload.path("updateValues").asLong(),
                    full,
                    100.0 * upload.path("bytesSaved").asLong() / full));
        }
        JsonNode eval = r.path("evaluation");
        JsonNode errors = eval.path("errors").path("pooled");
        if (errors.isObject()) {
            // A regression study: no row is "correct", its figures are the errors in the label's unit.
            line.append(String.format(
                    Locale.ROOT,
                    ", held-out pooled MAE %s, RMSE %s (v%d, %d examples, %s)",
                    figure(errors.path("mae")),
                    figure(errors.path("rmse")),
                    eval.path("version").asLong(),
                    eval.path("examples").asLong(),
                    eval.path("release").asString().equals("in clear")
                            ? "exact"
                            : "DP estimate from noised error sums"));
        } else if (eval.isObject()) {
            line.append(String.format(
                    Locale.ROOT,
                    ", held-out accuracy %.3f (v%d, %d examples, %s)",
                    eval.path("pooledAccuracy").asDouble(),
                    eval.path("version").asLong(),
                    eval.path("examples").asLong(),
                    eval.path("release").asString().equals("in clear") ? "exact" : "DP estimate from noised counts"));
            JsonNode scores = eval.path("scores").path("pooled");
            if (scores.isObject()) {
                line.append(", pooled AUROC ")
                        .append(figure(scores.path("auroc")))
                        .append(", AUPRC ")
                        .append(figure(scores.path("auprc")))
                        .append(", ECE ")
                        .append(figure(scores.path("calibrationError")));
            }
        }
        return line.toString();
    }

    /** A figure with three decimals, or "-" where the coordinator reports none (undefined). */
    private static String figure(JsonNode value) {
        return value.isNumber() ? String.format(Locale.ROOT, "%.3f", value.asDouble()) : "-";
    }
}
