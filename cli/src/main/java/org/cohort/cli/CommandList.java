package org.cohort.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Help.Column;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The top-level help's command list, by the words one types ("privacy epsilon", "audit head"),
 * each with its command's one-line header: picocli's own list shows only the first word of each,
 * which names no command one can run.
 */
final class CommandList implements CommandLine.IHelpSectionRenderer {
    private static final int INDENT = 2;
    private static final int GAP = 3;

    /** A runnable command: the words after {@code cohort} and its one-line header. */
    record Entry(String words, String header) {}

    @Override
    public String render(CommandLine.Help help) {
        List<Entry> entries = entries(help.commandSpec());
        if (entries.isEmpty()) {
            return "";
        }
        int first = INDENT
                + GAP
                + entries.stream().mapToInt(e -> e.words().length()).max().orElse(0);
        int width = help.commandSpec().usageMessage().width();
        var table = CommandLine.Help.TextTable.forColumns(
                help.colorScheme(),
                new Column(first, INDENT, Column.Overflow.SPAN),
                new Column(width - first, 0, Column.Overflow.WRAP));
        for (Entry e : entries) {
            table.addRowValues(e.words(), e.header());
        }
        return table.toString();
    }

    /** Every command below {@code spec} that does something, depth first, in the order declared. */
    static List<Entry> entries(CommandSpec spec) {
        List<Entry> entries = new ArrayList<>();
        collect(spec, "", entries);
        return entries;
    }

    private static void collect(CommandSpec spec, String prefix, List<Entry> entries) {
        for (Map.Entry<String, CommandLine> sub : spec.subcommands().entrySet()) {
            CommandSpec child = sub.getValue().getCommandSpec();
            if (child.helpCommand() || !child.name().equals(sub.getKey())) {
                continue; // picocli's `help`, and aliases
            }
            String words = prefix + child.name();
            if (child.subcommands().isEmpty()) {
                String header = String.join(" ", child.usageMessage().header());
                entries.add(new Entry(words, String.format(Locale.ROOT, header)));
            } else {
                collect(child, words + " ", entries);
            }
        }
    }
}
