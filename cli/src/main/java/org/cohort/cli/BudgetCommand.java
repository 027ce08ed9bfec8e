package org.cohort.cli;

import static org.cohort.cli.JsonFields.text;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.cohort.privacy.accounting.PrivacyNumbers;
import org.cohort.protocol.PrivacyWords;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;

/**
 * {@code cohort privacy budget}: a study's privacy budget per site from the coordinator's ledger,
 * every ε with its unit, δ and method, and the command that recomputes it.
 */
@Command(
        name = "budget",
        mixinStandardHelpOptions = true,
        header = "a study's budget per site: ε spent, remaining, rounds left",
        customSynopsis =
                "cohort privacy budget --study ID [--format text|json] [--coordinator URL] [--token-file PATH]",
        description = "A study's privacy budget per site and unit, from the coordinator's ledger: ε spent, the budget,"
                + " what remains, and how many more rounds fit at each site's current parameters. Every ε is stated"
                + " with its unit, δ, accountant and conversion; --format json adds the exact inputs (every charged"
                + " round) of each number.")
final class BudgetCommand implements Callable<Integer> {
    private final CommandContext context;

    @Option(names = "--study", paramLabel = "ID", description = "the study (list them with GET /api/studies)")
    private String study;

    @Option(names = "--format", paramLabel = "F", description = "text (default) or json")
    private String format;

    @Mixin
    private ConnectionOptions connection;

    BudgetCommand(CommandContext context) {
        this.context = context;
    }

    @Override
    public Integer call() {
        if (study == null || study.isBlank()) {
            throw UsageException.missing("privacy budget", "--study", "the study id, e.g. st-1a2b3c4d");
        }
        String chosen = OutputFormat.choose(format, "text", "text", "json");
        JsonNode p = Connection.open(connection, context).studies().privacy(study);
        PrintStream out = context.out();
        if (chosen.equals("json")) {
            out.println(context.json().writerWithDefaultPrettyPrinter().writeValueAsString(p));
            return Cohort.OK;
        }
        out.println("Study " + text(p, "studyName") + " (" + text(p, "studyId") + ")");
        if (!PrivacyWords.isPrivate(PrivacyWords.mode(text(p, "mode")))) {
            out.println("  no differential privacy: no ε is claimed for this study's models");
            return Cohort.OK;
        }
        out.println(
                "  budget ε = " + PrivacyNumbers.epsilon(p.path("epsilonBudget").asDouble()) + " per " + text(p, "unit")
                        + " at δ = " + text(p, "deltaText") + ", " + text(p, "method"));
        JsonNode sites = p.path("sites");
        if (sites.isEmpty()) {
            out.println("  no round has been charged yet");
        } else {
            printSites(sites, out);
        }
        out.println();
        out.println(text(p, "statement"));
        for (JsonNode s : sites) {
            out.println(text(s, "statement"));
        }
        return Cohort.OK;
    }

    private static void printSites(JsonNode sites, PrintStream out) {
        String fmt = "  %-22s %-8s %7s %9s %10s %10s  %s%n";
        out.printf(Locale.ROOT, fmt, "site", "unit", "rounds", "ε spent", "ε budget", "remaining", "rounds left");
        for (JsonNode s : sites) {
            JsonNode budget = s.path("budget");
            boolean hasBudget = budget.isObject();
            String left = !hasBudget
                    ? "-"
                    : s.path("exhausted").asBoolean() ? "0 (budget reached)" : text(s.path("roundsLeft"), "text");
            out.printf(
                    Locale.ROOT,
                    fmt,
                    shorten(text(s, "siteName"), 22),
                    text(s, "unit"),
                    s.path("roundsCharged").asLong(),
                    text(s.path("spent"), "epsilonText"),
                    hasBudget ? text(budget, "epsilonText") : "-",
                    hasBudget
                            ? PrivacyNumbers.epsilon(s.path("remainingEpsilon").asDouble())
                            : "-",
                    left);
        }
        out.println();
        out.println("  every ε above: " + text(sites.get(0).path("spent"), "unitLabel") + ", δ = "
                + text(sites.get(0).path("spent"), "deltaText") + ", "
                + text(sites.get(0).path("spent"), "method"));
        for (JsonNode s : sites) {
            out.println("  " + text(s, "siteName") + ": " + text(s, "recompute"));
        }
    }

    private static String shorten(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}
