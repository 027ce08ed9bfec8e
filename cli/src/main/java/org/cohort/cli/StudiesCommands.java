package org.cohort.cli;

import picocli.CommandLine.Command;

/** {@code cohort studies}: running a study from the command line. */
@Command(
        name = "studies",
        mixinStandardHelpOptions = true,
        description = "Creates, starts and follows a study.",
        synopsisSubcommandLabel = "create|start|wait",
        subcommands = {StudyCreateCommand.class, StudyStartCommand.class, StudyWaitCommand.class})
final class StudiesCommands extends CommandGroup {}
