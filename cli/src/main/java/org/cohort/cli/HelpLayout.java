package org.cohort.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.UsageMessageSpec;

/**
 * One look for every command's help, set here once rather than on each command: a blank line
 * before each section, options in the order declared (the order they matter in), the tool's
 * version, and the top level's list of commands by the words that run them.
 */
final class HelpLayout {
    /** Wide enough for the ε statements' parameter lists on one line; narrower terminals wrap. */
    private static final int WIDTH = 100;

    private HelpLayout() {}

    static void apply(CommandLine root) {
        root.setUsageHelpWidth(WIDTH);
        // A command's one-line header is what command lists show; its own help starts with its usage.
        List<String> sections = new ArrayList<>(root.getHelpSectionKeys());
        sections.removeAll(List.of(UsageMessageSpec.SECTION_KEY_HEADER_HEADING, UsageMessageSpec.SECTION_KEY_HEADER));
        root.setHelpSectionKeys(sections);
        root.getHelpSectionMap().put(UsageMessageSpec.SECTION_KEY_COMMAND_LIST, new CommandList());
        headings(root, new CohortVersion());
    }

    private static void headings(CommandLine command, CommandLine.IVersionProvider version) {
        command.getCommandSpec().versionProvider(version);
        command.getCommandSpec()
                .usageMessage()
                .sortOptions(false)
                .sortSynopsis(false)
                .descriptionHeading("%n")
                .optionListHeading("%nOptions:%n")
                .commandListHeading("%nCommands:%n")
                .exitCodeListHeading("%nExit codes:%n")
                .footerHeading("%n");
        command.getSubcommands().values().forEach(sub -> headings(sub, version));
    }
}
