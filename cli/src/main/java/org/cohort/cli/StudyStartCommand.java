package org.cohort.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;

/** {@code cohort studies start ID}: starts a created study's rounds. */
@Command(
        name = "start",
        mixinStandardHelpOptions = true,
        header = "start a study's rounds",
        customSynopsis = "cohort studies start ID [--coordinator URL] [--token-file PATH]",
        description = "Starts the study's rounds; follow them with: cohort studies wait ID.")
final class StudyStartCommand extends CoordinatorCommand {
    @Parameters(index = "0", paramLabel = "ID", description = "the study, e.g. st-1a2b3c4d")
    private String study;

    StudyStartCommand(CommandContext context) {
        super(context);
    }

    @Override
    public Integer call() {
        JsonNode started = coordinator().studies().start(study);
        context.out().println("study " + study + ": " + started.path("status").asString("started"));
        return Cohort.OK;
    }
}
