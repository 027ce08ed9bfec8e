package org.cohort.cli;

import picocli.CommandLine.Command;

/** {@code cohort audit}: the coordinator's hash-chained, signed audit log, checked from outside it. */
@Command(
        name = "audit",
        mixinStandardHelpOptions = true,
        description = "Verifies the coordinator's audit log, or exports its signed head.",
        synopsisSubcommandLabel = "verify|head",
        subcommands = {VerifyCommand.class, HeadCommand.class})
final class AuditLogCommands extends CommandGroup {}
