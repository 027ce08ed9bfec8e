package org.cohort.cli;

import java.io.PrintWriter;
import java.util.List;
import org.cohort.client.CoordinatorException;
import picocli.CommandLine;

/**
 * Turns whatever stopped a command into one line on stderr that says what to do, and its exit
 * code: a command line picocli could not parse, or a {@link UsageException}, is 2; a command that
 * ran and failed ({@link CommandFailed}, a refused or failed call to the coordinator) is 1; any
 * other exception is a bug, reported as one, and 1.
 */
final class FailureReporter implements CommandLine.IParameterExceptionHandler, CommandLine.IExecutionExceptionHandler {
    private static final String PREFIX = "cohort: ";

    @Override
    public int handleParseException(CommandLine.ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        String hint = "";
        if (e instanceof CommandLine.UnmatchedArgumentException unmatched
                && !unmatched.getSuggestions().isEmpty()) {
            List<String> suggestions = unmatched.getSuggestions();
            hint = " (did you mean " + Words.or(suggestions.subList(0, Math.min(3, suggestions.size()))) + "?)";
        }
        command.getErr()
                .println(PREFIX + e.getMessage() + hint + ". See: "
                        + command.getCommandSpec().qualifiedName() + " --help");
        return Cohort.USAGE;
    }

    @Override
    public int handleExecutionException(Exception e, CommandLine command, CommandLine.ParseResult parsed) {
        PrintWriter err = command.getErr();
        switch (e) {
            case UsageException usage -> {
                err.println(PREFIX + usage.getMessage());
                return Cohort.USAGE;
            }
            case CommandFailed failed -> err.println(PREFIX + failed.getMessage());
            case CoordinatorException call ->
                err.println(PREFIX + CallFailures.explain(call).getMessage());
            default ->
                err.println(PREFIX + "unexpected error: " + e + " (please report it with the command line you ran)");
        }
        return Cohort.FAILED;
    }
}
