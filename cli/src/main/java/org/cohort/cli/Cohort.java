package org.cohort.cli;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.cohort.client.CoordinatorException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Cohort command-line tool for people who check privacy: recompute any ε locally, see a
 * study's budget, verify the audit chain, export the privacy report. Exit codes: 0 success,
 * 1 the command ran and failed (or found a broken audit chain), 2 the command line was wrong.
 */
public final class Cohort {
    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;

    static final String HELP = """
            Cohort: check the privacy of a federated study.

            Usage: cohort <command> [options]

            Commands:
              privacy epsilon   compute ε for q, σ, steps and δ on this machine (no coordinator needed)
              privacy budget    a study's budget per site: ε spent, remaining, rounds left
              privacy audit     audit a site's pipeline on real data: empirical ε lower bound L (95%) vs
                                claimed ε E (no arguments: Heart Disease at the demo's settings)
              audit verify      verify the coordinator's hash-chained, signed audit log and its privacy
                                ledger (exit 1 if broken); --expect-head FILE: against an exported head
              audit head        export the audit log's signed head, to check a later verification against
              report            export a study's privacy report as self-contained HTML or JSON

            Commands that ask the coordinator take --coordinator URL (default http://127.0.0.1:8080 or
            $COHORT_COORDINATOR) and --token-file PATH (default $COHORT_TOKEN or <data-dir>/admin-token).

            Run 'cohort <command> --help' for its options.
            Exit codes: 0 success; 1 the command ran and failed (coordinator unreachable, token refused,
            audit chain broken); 2 the command line was wrong.
            """;

    private Cohort() {}

    public static void main(String[] args) {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(System.err, true, StandardCharsets.UTF_8);
        System.exit(run(args, out, err, System.getenv()));
    }

    /** Runs one command; returns the exit code. */
    static int run(String[] argv, PrintStream out, PrintStream err, Map<String, String> env) {
        List<String> a = Arrays.asList(argv);
        try {
            if (a.isEmpty()) {
                err.print(HELP);
                return USAGE;
            }
            if (a.get(0).equals("--help") || a.get(0).equals("-h") || a.get(0).equals("help")) {
                out.print(HELP);
                return OK;
            }
            return dispatch(a, out, env);
        } catch (UsageException e) {
            err.println("cohort: " + e.getMessage());
            return USAGE;
        } catch (CommandFailed e) {
            err.println("cohort: " + e.getMessage());
            return FAILED;
        } catch (CoordinatorException e) {
            err.println("cohort: " + CallFailures.explain(e).getMessage());
            return FAILED;
        } catch (RuntimeException e) {
            err.println("cohort: unexpected error: " + e + " (please report it with the command line you ran)");
            return FAILED;
        }
    }

    private static int dispatch(List<String> a, PrintStream out, Map<String, String> env) {
        JsonMapper json = JsonMapper.builder().build();
        String first = a.get(0);
        switch (first) {
            case "privacy" -> {
                String sub = a.size() > 1 ? a.get(1) : "";
                List<String> rest = a.subList(Math.min(2, a.size()), a.size());
                switch (sub) {
                    case "epsilon" -> {
                        Args args = Args.parse("privacy epsilon", rest, EpsilonCommand.OPTIONS);
                        return args.help() ? help(out, EpsilonCommand.HELP) : EpsilonCommand.run(args, out, json);
                    }
                    case "budget" -> {
                        Args args = Args.parse("privacy budget", rest, RemoteCommands.BUDGET_OPTIONS);
                        return args.help() ? help(out, RemoteCommands.BUDGET_HELP)
                                : RemoteCommands.budget(args, Connection.open(args, env, json), out, json);
                    }
                    case "audit" -> {
                        Args args = Args.parse("privacy audit", rest, AuditCommand.OPTIONS);
                        return args.help() ? help(out, AuditCommand.HELP) : AuditCommand.run(args, out);
                    }
                    case "--help", "-h" -> {
                        return help(out, "Usage: cohort privacy epsilon|budget|audit [options]\n\n" + EpsilonCommand.HELP
                                + "\n" + RemoteCommands.BUDGET_HELP + "\n" + AuditCommand.HELP);
                    }
                    default -> throw new UsageException("'privacy' needs a subcommand: epsilon, budget or audit"
                            + (sub.isEmpty() ? "" : " (got '" + sub + "')") + ". See: cohort privacy --help");
                }
            }
            case "audit" -> {
                String sub = a.size() > 1 ? a.get(1) : "";
                if (sub.equals("--help") || sub.equals("-h")) {
                    return help(out, RemoteCommands.VERIFY_HELP + "\n" + AuditHeadCommands.HEAD_HELP);
                }
                if (sub.equals("head")) {
                    Args args = Args.parse("audit head", a.subList(2, a.size()), AuditHeadCommands.HEAD_OPTIONS);
                    return args.help() ? help(out, AuditHeadCommands.HEAD_HELP)
                            : AuditHeadCommands.head(args, Connection.open(args, env, json), out, json);
                }
                if (!sub.equals("verify")) {
                    throw new UsageException("'audit' needs a subcommand: verify or head"
                            + (sub.isEmpty() ? "" : " (got '" + sub + "')") + ". See: cohort audit --help");
                }
                Args args = Args.parse("audit verify", a.subList(2, a.size()), RemoteCommands.VERIFY_OPTIONS);
                return args.help() ? help(out, RemoteCommands.VERIFY_HELP)
                        : RemoteCommands.verify(args, Connection.open(args, env, json), out, json);
            }
            case "report" -> {
                Args args = Args.parse("report", a.subList(1, a.size()), RemoteCommands.REPORT_OPTIONS);
                return args.help() ? help(out, RemoteCommands.REPORT_HELP)
                        : RemoteCommands.report(args, Connection.open(args, env, json), out);
            }
            default -> throw new UsageException("unknown command '" + first + "'; commands are privacy epsilon, privacy"
                    + " budget, privacy audit, audit verify, audit head and report. See: cohort --help");
        }
    }

    private static int help(PrintStream out, String text) {
        out.print(text);
        return OK;
    }
}
