package org.cohort.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.cohort.privacy.accounting.AccountantKind;
import org.cohort.privacy.accounting.Conversion;
import org.cohort.privacy.accounting.EventHistory;
import org.cohort.privacy.accounting.PldAccountant;
import org.cohort.privacy.accounting.PrivacyAccountant;
import org.cohort.privacy.accounting.PrivacyEvent;
import org.cohort.privacy.accounting.PrivacyNumbers;
import org.cohort.privacy.accounting.PrivacyReport;
import org.cohort.privacy.accounting.RdpAccountant;
import org.cohort.privacy.accounting.Unit;
import org.cohort.protocol.PrivacyWords;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code cohort privacy epsilon}: ε computed here, with the privacy module's accountants, from
 * (q, σ, steps[, rounds]) or from an event history exported by the coordinator, so that anyone
 * can recompute a number the coordinator states without trusting it.
 */
@Command(
        name = "epsilon",
        mixinStandardHelpOptions = true,
        header = "compute ε for q, σ, steps and δ on this machine (no coordinator needed)",
        customSynopsis = {
            "cohort privacy epsilon --q Q --sigma S --steps N --delta D [--rounds R]",
            "                              [--accountant rdp|pld] [--conversion improved|classic]",
            "                              [--format text|json]",
            "       cohort privacy epsilon --history FILE --delta D [--accountant rdp|pld] [...]"
        },
        description = "Computes ε on this machine (no coordinator needed) for the Poisson-sampled Gaussian mechanism:"
                + " each record takes part in each step with probability Q, the sum of clipped contributions gets"
                + " Gaussian noise with multiplier S (noise std / clipping norm), N steps.",
        footer = "Example: cohort privacy epsilon --q 0.01 --sigma 1.1 --steps 1000 --delta 1e-5")
final class EpsilonCommand implements Callable<Integer> {
    /** Rounds beyond this are composed as one event (RDP: equal up to rounding), as the coordinator does. */
    private static final long ROUND_BY_ROUND = 1000;

    private final CommandContext context;

    @Option(
            names = "--q",
            paramLabel = "Q",
            description = "sampling rate, in (0, 1]  (DP-SGD: expected batch size / rows)")
    private Double q;

    @Option(names = "--sigma", paramLabel = "S", description = "noise multiplier, > 0")
    private Double sigma;

    @Option(names = "--steps", paramLabel = "N", description = "compositions per round (DP-SGD steps), >= 1")
    private Long steps;

    @Option(
            names = "--rounds",
            paramLabel = "R",
            description = "repeat the N steps R times, composed one round after"
                    + " another as the coordinator's ledger does (default 1)")
    private Long rounds;

    @Option(
            names = "--history",
            paramLabel = "FILE",
            description = "instead of q/sigma/steps: a site's event history as"
                    + " the coordinator exports it (historyJson in GET /api/studies/ID/privacy or the report)")
    private String history;

    @Option(names = "--delta", paramLabel = "D", description = "δ of the (ε, δ) statement, in (0, 1), e.g. 1e-5")
    private Double delta;

    @Option(
            names = "--accountant",
            paramLabel = "A",
            description = "rdp (default; Rényi DP) or pld (privacy loss distributions, tighter)")
    private String accountant;

    @Option(
            names = "--conversion",
            paramLabel = "C",
            description = "RDP to (ε, δ): improved (default; Balle et al. 2020) or classic (Mironov 2017)")
    private String conversion;

    @Option(names = "--format", paramLabel = "F", description = "text (default) or json")
    private String format;

    EpsilonCommand(CommandContext context) {
        this.context = context;
    }

    /** The computed ε with everything needed to state and check it. */
    record Result(
            double epsilon,
            double delta,
            String accountant,
            String conversion,
            String method,
            String parameters,
            Unit unit,
            PrivacyEvent perRound,
            List<PrivacyEvent> inputs,
            long rounds,
            String statement) {}

    @Override
    public Integer call() {
        Result r = compute();
        switch (OutputFormat.choose(format, "text", "text", "json")) {
            case "json" ->
                context.out()
                        .println(context.json().writerWithDefaultPrettyPrinter().writeValueAsString(toJson(r)));
            default -> printText(r, context.out());
        }
        return Cohort.OK;
    }

    private Result compute() {
        List<String> problems = new ArrayList<>();
        if (delta == null) {
            problems.add("--delta (δ of the statement, e.g. 1e-5) is required");
        } else if (!(delta > 0 && delta < 1)) {
            problems.add("--delta must be in (0, 1), typically below 1/number of records; got "
                    + PrivacyNumbers.plain(delta));
        }
        AccountantKind kind = null;
        try {
            kind = accountant == null ? AccountantKind.RDP : PrivacyWords.kind(PrivacyWords.accountant(accountant));
        } catch (IllegalArgumentException e) {
            problems.add("--accountant must be rdp or pld, got '" + accountant + "'");
        }
        Conversion conv = null;
        switch (kind) {
            case null -> {}
            case RDP -> {
                String c = conversion == null ? "improved" : conversion.toLowerCase(Locale.ROOT);
                if (c.equals("improved")) {
                    conv = Conversion.RDP_IMPROVED;
                } else if (c.equals("classic")) {
                    conv = Conversion.RDP_CLASSIC;
                } else {
                    problems.add(
                            "--conversion must be improved (Balle et al. 2020, the default) or classic (Mironov 2017),"
                                    + " got '" + conversion + "'");
                }
            }
            case PLD -> {
                conv = Conversion.PLD_HOCKEY_STICK;
                if (conversion != null) {
                    problems.add("--conversion applies to the rdp accountant only; leave it out with --accountant pld");
                }
            }
        }
        List<PrivacyEvent> events;
        PrivacyEvent perRound = null;
        Unit unit = null;
        long roundCount = 1;
        if (history != null) {
            Map<String, Object> exclusive = new LinkedHashMap<>();
            exclusive.put("--q", q);
            exclusive.put("--sigma", sigma);
            exclusive.put("--steps", steps);
            exclusive.put("--rounds", rounds);
            exclusive.forEach((option, value) -> {
                if (value != null) {
                    problems.add(option + " cannot be combined with --history (the history holds the events)");
                }
            });
            EventHistory read = readHistory(history);
            events = read.events();
            unit = read.unit();
            roundCount = events.size();
        } else {
            if (q == null) {
                problems.add("--q (sampling rate, in (0, 1]) is required");
            } else if (!(q > 0 && q <= 1)) {
                problems.add("--q must be in (0, 1], got " + PrivacyNumbers.plain(q));
            }
            if (sigma == null) {
                problems.add("--sigma (noise multiplier, > 0) is required");
            } else if (!(sigma > 0) || sigma.isInfinite()) {
                problems.add("--sigma must be a positive number, got " + PrivacyNumbers.plain(sigma));
            }
            if (steps == null) {
                problems.add("--steps (compositions, >= 1) is required");
            } else if (steps < 1) {
                problems.add("--steps must be at least 1, got " + steps);
            }
            if (rounds != null && rounds < 1) {
                problems.add("--rounds must be at least 1, got " + rounds);
            }
            if (!problems.isEmpty()) {
                throw new UsageException(
                        "cannot compute ε: " + String.join("; ", problems) + ". See: cohort privacy epsilon --help");
            }
            roundCount = rounds == null ? 1 : rounds;
            perRound = new PrivacyEvent.SampledGaussian(q, sigma, steps);
            if (roundCount > Integer.MAX_VALUE) {
                throw new UsageException("--rounds must be at most " + Integer.MAX_VALUE);
            }
            events = roundCount > ROUND_BY_ROUND && kind == AccountantKind.RDP
                    ? List.of(new PrivacyEvent.SampledGaussian(q, sigma, Math.multiplyExact(steps, roundCount)))
                    : java.util.Collections.nCopies((int) roundCount, perRound);
        }
        if (!problems.isEmpty()) {
            throw new UsageException(
                    "cannot compute ε: " + String.join("; ", problems) + ". See: cohort privacy epsilon --help");
        }
        PrivacyAccountant acc = kind == AccountantKind.PLD ? PldAccountant.create() : RdpAccountant.withDefaultOrders();
        for (PrivacyEvent e : events) {
            acc = acc.compose(e);
        }
        PrivacyReport report = acc instanceof RdpAccountant rdp
                ? rdp.report(delta, unit == null ? Unit.PATIENT : unit, conv)
                : acc.report(delta, unit == null ? Unit.PATIENT : unit);
        String method = kind == AccountantKind.RDP
                ? "RDP accountant with " + conv.label()
                : "PLD accountant (" + conv.label() + ")";
        String conversionName = switch (conv) {
            case RDP_IMPROVED -> "improved";
            case RDP_CLASSIC -> "classic";
            case PLD_HOCKEY_STICK -> "hockey-stick";
        };
        String params = report.parameters().explain();
        List<PrivacyEvent> inputs = perRound == null ? events : List.of(perRound);
        return new Result(
                report.epsilon(),
                delta,
                PrivacyWords.word(kind),
                conversionName,
                method,
                params,
                unit,
                perRound,
                inputs,
                roundCount,
                statement(report.epsilon(), delta, method, params, unit, inputs, roundCount, perRound == null));
    }

    private static String statement(
            double eps,
            double delta,
            String method,
            String params,
            Unit unit,
            List<PrivacyEvent> inputs,
            long rounds,
            boolean fromHistory) {
        String what;
        if (fromHistory) {
            what = "the " + inputs.size() + (inputs.size() == 1 ? " event" : " events") + " of the history ("
                    + String.join(
                            " + ", inputs.stream().map(PrivacyEvent::describe).toList()) + ")";
        } else {
            var g = (PrivacyEvent.SampledGaussian) inputs.get(0);
            what = "one sampled Gaussian mechanism (q = " + PrivacyNumbers.plain(g.samplingRate()) + ", σ = "
                    + PrivacyNumbers.plain(g.noiseMultiplier()) + ") composed over " + g.steps()
                    + (g.steps() == 1 ? " step" : " steps")
                    + (rounds == 1 ? "" : " per round for " + rounds + " rounds");
        }
        String whom = unit == null
                ? "The bound is unit-free: it protects whatever one record is (a patient under DP-SGD, a whole site under DP-FedAvg)."
                : "This is a " + unit.label() + " guarantee.";
        return "For " + what + ", the " + method + " gives ε = " + PrivacyNumbers.epsilon(eps) + " at δ = "
                + PrivacyNumbers.delta(delta)
                + " (" + params + "): whether or not one record is used changes the probability of any outcome by at"
                + " most a factor of e^ε ≈ " + PrivacyNumbers.factor(eps) + ", except with probability δ. " + whom;
    }

    private static EventHistory readHistory(String file) {
        String text;
        try {
            text = Files.readString(Path.of(file)).strip();
        } catch (NoSuchFileException e) {
            throw new UsageException("--history: no file " + file
                    + "; save a site's historyJson (GET /api/studies/ID/privacy)" + " to it first");
        } catch (IOException e) {
            throw new CommandFailed("cannot read --history file " + file + ": " + e.getMessage());
        }
        if (text.startsWith("\"")) {
            // historyJson copied with its JSON string quotes: unwrap it.
            text = JsonMapper.shared().readValue(text, String.class);
        }
        try {
            return EventHistory.parseCanonicalJson(text);
        } catch (IllegalArgumentException e) {
            throw new UsageException(
                    "--history " + file + " is not an event history: " + e.getMessage()
                            + ". Expected {\"entries\":[{\"event\":{...,\"type\":\"sampled_gaussian\"},\"id\":...}],\"unit\":\"PATIENT\"}");
        }
    }

    private static void printText(Result r, PrintStream out) {
        out.println("ε = " + PrivacyNumbers.epsilon(r.epsilon()) + " at δ = " + PrivacyNumbers.delta(r.delta())
                + (r.unit() == null ? "" : " (" + r.unit().label() + ")"));
        out.println("  exact value   " + r.epsilon());
        out.println("  accountant    " + r.method() + " [" + r.parameters() + "]");
        if (r.perRound() != null) {
            out.println("  mechanism     " + r.perRound().describe()
                    + (r.rounds() == 1 ? "" : " per round, " + r.rounds() + " rounds composed one after another"));
        } else {
            out.println("  inputs        " + r.inputs().size() + " events:");
            for (PrivacyEvent e : r.inputs()) {
                out.println("                  " + e.describe());
            }
        }
        out.println();
        out.println(r.statement());
    }

    private static Map<String, Object> toJson(Result r) {
        var m = new LinkedHashMap<String, Object>();
        m.put("epsilon", r.epsilon());
        m.put("epsilonText", PrivacyNumbers.epsilon(r.epsilon()));
        m.put("delta", r.delta());
        m.put("deltaText", PrivacyNumbers.delta(r.delta()));
        m.put("unit", r.unit() == null ? null : r.unit().name().toLowerCase(Locale.ROOT));
        m.put("accountant", r.accountant());
        m.put("conversion", r.conversion());
        m.put("method", r.method());
        m.put("accountingParameters", r.parameters());
        List<Map<String, Object>> inputs = new ArrayList<>();
        for (PrivacyEvent e : r.inputs()) {
            var em = new LinkedHashMap<String, Object>();
            switch (e) {
                case PrivacyEvent.SampledGaussian g -> {
                    em.put("type", "sampled_gaussian");
                    em.put("samplingRate", g.samplingRate());
                    em.put("noiseMultiplier", g.noiseMultiplier());
                    em.put("steps", g.steps());
                }
                case PrivacyEvent.Gaussian g -> {
                    em.put("type", "gaussian");
                    em.put("samplingRate", 1.0);
                    em.put("noiseMultiplier", g.noiseMultiplier());
                    em.put("steps", g.count());
                }
            }
            em.put("description", e.describe());
            inputs.add(em);
        }
        m.put("inputs", inputs);
        m.put("rounds", r.rounds());
        m.put("statement", r.statement());
        return m;
    }
}
