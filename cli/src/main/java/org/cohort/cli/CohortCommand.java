package org.cohort.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code cohort}: the root of the command tree. On its own it only shows its help (on stderr,
 * exit 2, since nothing was run); a word that names no command is a usage error that lists them.
 */
@Command(
        name = "cohort",
        mixinStandardHelpOptions = true,
        customSynopsis = "cohort <command> [options]",
        description = "Cohort: invite hospitals, run studies and check their privacy.",
        subcommands = {
            SitesCommands.class,
            StudiesCommands.class,
            PrivacyCommands.class,
            AuditLogCommands.class,
            ReportCommand.class,
            CommandLine.HelpCommand.class
        },
        exitCodeList = {
            "0:success",
            "1:the command ran and failed (coordinator unreachable, token refused, audit chain broken)",
            "2:the command line was wrong"
        },
        footer = {
            "Commands that ask the coordinator take --coordinator URL (default " + Connection.DEFAULT_URL + " or"
                    + " $COHORT_COORDINATOR) and --token-file PATH (default $COHORT_TOKEN or"
                    + " <data-dir>/admin-token).",
            "",
            "Run 'cohort <command> --help' for its options."
        })
final class CohortCommand extends CommandGroup {
    @Override
    public Integer call() {
        if (unknown == null) {
            spec.commandLine().usage(spec.commandLine().getErr());
            return Cohort.USAGE;
        }
        throw new UsageException("unknown command '" + unknown.get(0) + "'; commands are "
                + Words.and(CommandList.entries(spec).stream()
                        .map(CommandList.Entry::words)
                        .toList())
                + ". See: cohort --help");
    }
}
