package org.cohort.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * A command word that only groups others ({@code privacy}, {@code audit}; {@code cohort} itself
 * too): run without one of them, or with a word that is none of them, it is a usage error that
 * names them.
 */
abstract class CommandGroup implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** Words that name none of the group's commands: collected, so that the message can name them. */
    @Parameters(hidden = true)
    List<String> unknown;

    @Override
    public Integer call() {
        List<String> names = spec.subcommands().values().stream()
                .map(c -> c.getCommandSpec())
                .filter(s -> !s.helpCommand())
                .map(CommandSpec::name)
                .distinct()
                .toList();
        throw new UsageException("'" + spec.name() + "' needs a subcommand: " + Words.or(names)
                + (unknown == null ? "" : " (got '" + unknown.get(0) + "')") + ". See: "
                + spec.qualifiedName() + " --help");
    }
}
