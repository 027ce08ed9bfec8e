package org.cohort.simulation;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * How the demo's and the benchmarks' mains read their command lines: picocli, with one help
 * layout (a blank line before each section, options in the order declared, the Cohort version)
 * set here rather than on each command, and the command's exit code as the process's.
 */
public final class CommandLines {
    private static final int WIDTH = 100;

    private CommandLines() {}

    /** {@code command} (a picocli {@code @Command}) ready to parse and run. */
    public static CommandLine of(Object command) {
        CommandLine line = new CommandLine(command);
        line.setUsageHelpWidth(WIDTH);
        CommandSpec spec = line.getCommandSpec();
        spec.versionProvider(new DemoVersion());
        spec.usageMessage()
                .sortOptions(false)
                .sortSynopsis(false)
                .descriptionHeading("%n")
                .optionListHeading("%nOptions:%n")
                .parameterListHeading("%nArguments:%n");
        return line;
    }

    /** Runs {@code command} on {@code args} and exits with its exit code (2 for a wrong command line). */
    public static void exit(Object command, String[] args) {
        System.exit(of(command).execute(args));
    }
}
