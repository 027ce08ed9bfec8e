package org.cohort.cli;

import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import picocli.CommandLine;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Cohort command-line tool for people who check privacy: recompute any ε locally, see a
 * study's budget, verify the audit chain, export the privacy report. Exit codes: 0 success,
 * 1 the command ran and failed (or found a broken audit chain), 2 the command line was wrong.
 * This class only assembles the picocli command tree ({@link CohortCommand} and below) and runs it.
 */
public final class Cohort {
    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;

    private Cohort() {}

    public static void main(String[] args) {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(System.err, true, StandardCharsets.UTF_8);
        System.exit(run(args, out, err, System.getenv()));
    }

    /** Runs one command; returns the exit code. */
    static int run(String[] argv, PrintStream out, PrintStream err, Map<String, String> env) {
        PrintWriter outWriter = new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), true);
        PrintWriter errWriter = new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8), true);
        CommandLine cli =
                commandLine(new CommandContext(out, env, JsonMapper.builder().build()));
        cli.setOut(outWriter);
        cli.setErr(errWriter);
        try {
            return cli.execute(argv);
        } finally {
            outWriter.flush();
            errWriter.flush();
        }
    }

    /** The whole command tree, with the tool's number parsing, help layout and error reporting. */
    static CommandLine commandLine(CommandContext context) {
        CommandLine cli = new CommandLine(CohortCommand.class, new CommandFactory(context));
        cli.registerConverter(Double.class, new NumberConverters.Decimal());
        cli.registerConverter(double.class, new NumberConverters.Decimal());
        cli.registerConverter(Long.class, new NumberConverters.WholeNumber());
        cli.registerConverter(long.class, new NumberConverters.WholeNumber());
        HelpLayout.apply(cli);
        FailureReporter failures = new FailureReporter();
        cli.setParameterExceptionHandler(failures);
        cli.setExecutionExceptionHandler(failures);
        return cli;
    }
}
