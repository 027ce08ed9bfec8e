package org.cohort.cli;

import picocli.CommandLine.Command;

/** {@code cohort privacy}: the commands about ε, computed here or read from the coordinator's ledger. */
@Command(
        name = "privacy",
        mixinStandardHelpOptions = true,
        description = "Computes ε here, shows a study's budget, or audits a site's pipeline.",
        synopsisSubcommandLabel = "epsilon|budget|audit",
        subcommands = {EpsilonCommand.class, BudgetCommand.class, AuditCommand.class})
final class PrivacyCommands extends CommandGroup {}
