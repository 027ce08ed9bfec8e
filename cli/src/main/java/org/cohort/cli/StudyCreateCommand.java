package org.cohort.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * {@code cohort studies create FILE}: creates a study from its JSON spec and prints only its id,
 * so that a script can keep it ({@code STUDY=$(cohort studies create study.json)}).
 */
@Command(
        name = "create",
        mixinStandardHelpOptions = true,
        header = "create a study from its JSON spec; prints its id",
        customSynopsis = "cohort studies create FILE [--coordinator URL] [--token-file PATH]",
        description = "Creates a study from the spec in FILE (the body of POST /api/studies) and prints its id alone"
                + " on standard output. The coordinator checks the spec and says what to fix.")
final class StudyCreateCommand extends CoordinatorCommand {
    @Parameters(index = "0", paramLabel = "FILE", description = "the study spec, JSON")
    private Path file;

    StudyCreateCommand(CommandContext context) {
        super(context);
    }

    @Override
    public Integer call() {
        JsonNode spec;
        try {
            spec = context.json().readTree(Files.readString(file));
        } catch (IOException e) {
            throw new CommandFailed("cannot read the study spec " + file + ": " + e.getMessage());
        } catch (JacksonException e) {
            throw new CommandFailed(
                    file + " is not JSON (" + e.getOriginalMessage() + "); see the README's study" + " spec examples");
        }
        JsonNode created = coordinator().studies().create(spec);
        context.out().println(created.path("studyId").asString());
        return Cohort.OK;
    }
}
