package org.cohort.cli;

import picocli.CommandLine.Command;

/** {@code cohort sites}: admitting hospitals. */
@Command(
        name = "sites",
        mixinStandardHelpOptions = true,
        description = "Invites a hospital: a one-time join code for its agent.",
        synopsisSubcommandLabel = "invite",
        subcommands = {InviteCommand.class})
final class SitesCommands extends CommandGroup {}
