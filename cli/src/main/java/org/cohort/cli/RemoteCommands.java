package org.cohort.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import org.cohort.client.CoordinatorClient;
import org.cohort.client.Studies;
import org.cohort.privacy.accounting.PrivacyNumbers;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The commands that ask the coordinator: a study's budget, the audit chain, the privacy report. */
final class RemoteCommands {
    static final String CONNECTION_HELP = """
              --coordinator URL   the coordinator's REST address (default $COHORT_COORDINATOR, else http://127.0.0.1:8080)
              --token-file PATH   file holding the admin token (default $COHORT_TOKEN, else
                                  $COHORT_DATA_DIR/admin-token or ./cohort-data/admin-token)
            """;

    static final Set<String> BUDGET_OPTIONS = with("study", "format");
    static final String BUDGET_HELP = """
            Usage: cohort privacy budget --study ID [--format text|json] [--coordinator URL] [--token-file PATH]

            A study's privacy budget per site and unit, from the coordinator's ledger: ε spent, the
            budget, what remains, and how many more rounds fit at each site's current parameters.
            Every ε is stated with its unit, δ, accountant and conversion; --format json adds the
            exact inputs (every charged round) of each number.

              --study ID          the study (list them with GET /api/studies)
              --format F          text (default) or json
            """ + CONNECTION_HELP;

    static final Set<String> VERIFY_OPTIONS = with("format", "expect-head");
    static final String VERIFY_HELP = """
            Usage: cohort audit verify [--expect-head FILE] [--format text|json] [--coordinator URL] [--token-file PATH]

            Has the coordinator recompute its audit chain - every entry's link, hash and Ed25519
            signature - and hold its privacy ledger against the charges the chain recorded, and
            prints the result. Exit code 0 when the chain is intact, 1 when it is broken (the first
            bad entry or ledger charge is named).

              --expect-head FILE  a head exported earlier with 'cohort audit head --out FILE': the
                                  chain must still reach it (else entries were cut from its end,
                                  or it was rewritten and re-signed)
              --format F          text (default) or json
            """ + CONNECTION_HELP;

    static final Set<String> REPORT_OPTIONS = with("study", "format", "out");
    static final String REPORT_HELP = """
            Usage: cohort report --study ID [--format html|json] [--out FILE] [--coordinator URL] [--token-file PATH]

            Exports a study's privacy report: ε per site with unit, δ, accountant, conversion and
            inputs, a plot of ε over rounds (html), the audit chain's state, and plain-language
            statements. The HTML page is self-contained (no scripts, nothing fetched), to archive or mail.

              --study ID          the study
              --format F          html (default) or json
              --out FILE          where to write it (default privacy-report-ID.html or .json; - for stdout)
            """ + CONNECTION_HELP;

    private RemoteCommands() {}

    /** The connection options and {@code names}. */
    static Set<String> with(String... names) {
        Set<String> s = new HashSet<>(Connection.OPTIONS);
        s.addAll(Set.of(names));
        return Set.copyOf(s);
    }

    static int budget(Args args, CoordinatorClient client, PrintStream out, JsonMapper json) {
        String study = args.requireString("study", "the study id, e.g. st-1a2b3c4d");
        String format = format(args, "text", "text", "json");
        JsonNode p = client.studies().privacy(study);
        if (format.equals("json")) {
            out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(p));
            return 0;
        }
        out.println("Study " + text(p, "studyName") + " (" + text(p, "studyId") + ")");
        if ("none".equals(text(p, "mode"))) {
            out.println("  no differential privacy: no ε is claimed for this study's models");
            return 0;
        }
        out.println("  budget ε = " + PrivacyNumbers.epsilon(p.path("epsilonBudget").asDouble()) + " per " + text(p, "unit")
                + " at δ = " + text(p, "deltaText") + ", " + text(p, "method"));
        JsonNode sites = p.path("sites");
        if (sites.isEmpty()) {
            out.println("  no round has been charged yet");
        } else {
            String fmt = "  %-22s %-8s %7s %9s %10s %10s  %s%n";
            out.printf(Locale.ROOT, fmt, "site", "unit", "rounds", "ε spent", "ε budget", "remaining", "rounds left");
            for (JsonNode s : sites) {
                JsonNode budget = s.path("budget");
                boolean hasBudget = budget.isObject();
                String left = !hasBudget ? "-" : s.path("exhausted").asBoolean() ? "0 (budget reached)"
                        : text(s.path("roundsLeft"), "text");
                out.printf(Locale.ROOT, fmt, shorten(text(s, "siteName"), 22), text(s, "unit"), s.path("roundsCharged").asLong(),
                        text(s.path("spent"), "epsilonText"), hasBudget ? text(budget, "epsilonText") : "-",
                        hasBudget ? PrivacyNumbers.epsilon(s.path("remainingEpsilon").asDouble()) : "-", left);
            }
            out.println();
            out.println("  every ε above: " + text(sites.get(0).path("spent"), "unitLabel") + ", δ = "
                    + text(sites.get(0).path("spent"), "deltaText") + ", " + text(sites.get(0).path("spent"), "method"));
            for (JsonNode s : sites) {
                out.println("  " + text(s, "siteName") + ": " + text(s, "recompute"));
            }
        }
        out.println();
        out.println(text(p, "statement"));
        for (JsonNode s : sites) {
            out.println(text(s, "statement"));
        }
        return 0;
    }

    static int verify(Args args, CoordinatorClient client, PrintStream out, JsonMapper json) {
        String format = format(args, "text", "text", "json");
        AuditHeadCommands.Expected expected = args.has("expect-head")
                ? AuditHeadCommands.read(Path.of(args.string("expect-head", "")), json) : null;
        JsonNode v = expected == null ? client.audit().verify() : client.audit().verify(expected.seq(), expected.hash());
        if (expected != null && v.path("valid").asBoolean(false)) {
            v = checkedHere(v, expected, client, json);
        }
        boolean valid = v.path("valid").asBoolean(false);
        if (format.equals("json")) {
            out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(v));
        } else {
            out.println((valid ? "✔ audit chain intact: " : "✘ audit chain BROKEN: ") + text(v, "summary"));
            out.println("  head      #" + v.path("headSeq").asLong() + " " + text(v, "headHash"));
            out.println("  signer    " + text(v, "signer"));
            out.println("  checked   " + v.path("entriesChecked").asLong() + " entries at " + text(v, "checkedAt"));
            JsonNode p = v.path("firstProblem");
            if (p.isObject()) {
                out.println("  first bad entry  #" + p.path("seq").asLong()
                        + (p.path("kind").isString() ? " (" + p.path("kind").asString() + ")" : "") + ": "
                        + text(p, "defect") + " - " + text(p, "message"));
            }
        }
        return valid ? 0 : 1;
    }

    /**
     * The coordinator said the chain reaches the expected head; this tool checks it too, from the
     * entry itself and the signing key, so a coordinator that ignored the question is caught.
     */
    private static JsonNode checkedHere(JsonNode v, AuditHeadCommands.Expected expected, CoordinatorClient client,
                                        JsonMapper json) {
        String problem = null;
        if (!expected.signer().equals(text(v, "signer"))) {
            problem = "the exported head was signed by " + expected.signer() + " but the coordinator now signs with "
                    + text(v, "signer") + ": its keys were replaced, and the whole chain re-signed";
        } else if (v.path("headSeq").asLong() < expected.seq()) {
            problem = "the log ends at #" + v.path("headSeq").asLong() + " but the exported head is #" + expected.seq()
                    + ": entries were removed from its end";
        } else if (expected.seq() > 0) {
            JsonNode entries = client.audit().entries(expected.seq() - 1, 1).path("entries");
            String actual = entries.isEmpty() ? "missing" : text(entries.get(0), "hash");
            if (entries.isEmpty() || entries.get(0).path("seq").asLong() != expected.seq()
                    || !actual.equals(expected.hash())) {
                problem = "entry #" + expected.seq() + " now hashes to " + actual + ", not to the exported head's "
                        + expected.hash() + ": the log was rewritten at or before it";
            }
        }
        if (problem == null) {
            return v;
        }
        var broken = json.createObjectNode();
        broken.setAll((tools.jackson.databind.node.ObjectNode) v);
        broken.put("valid", false);
        broken.put("summary", problem);
        broken.putObject("firstProblem").put("seq", expected.seq()).put("defect", "HEAD_MISMATCH").put("message", problem);
        return broken;
    }

    static int report(Args args, CoordinatorClient client, PrintStream out) {
        String study = args.requireString("study", "the study id, e.g. st-1a2b3c4d");
        String format = format(args, "html", "html", "json");
        String body = client.studies().privacyReport(study,
                format.equals("html") ? Studies.ReportFormat.HTML : Studies.ReportFormat.JSON);
        String target = args.string("out", "privacy-report-" + study.replaceAll("[^A-Za-z0-9._-]", "_") + "." + format);
        if (target.equals("-")) {
            out.print(body);
            out.flush();
            return 0;
        }
        Path file = Path.of(target);
        try {
            if (file.toAbsolutePath().getParent() != null) {
                Files.createDirectories(file.toAbsolutePath().getParent());
            }
            Files.writeString(file, body, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CommandFailed("cannot write the report to " + file + ": " + e.getMessage()
                    + "; choose another --out");
        }
        out.println("wrote " + file + " (" + format + ", " + body.getBytes(StandardCharsets.UTF_8).length + " bytes)");
        return 0;
    }

    private static String format(Args args, String fallback, String... allowed) {
        String f = args.string("format", fallback).toLowerCase(Locale.ROOT);
        for (String a : allowed) {
            if (a.equals(f)) {
                return f;
            }
        }
        throw new UsageException("--format must be " + String.join(" or ", allowed) + ", got '" + f + "'");
    }

    /** A text field, or "" when missing or null. */
    private static String text(JsonNode node, String field) {
        JsonNode v = node.path(field);
        return v.isMissingNode() || v.isNull() ? "" : v.asString();
    }

    private static String shorten(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}
