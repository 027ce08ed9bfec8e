package org.cohort.cli;

import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;

/**
 * {@code cohort audit head}: exports the coordinator's signed audit head, its signature checked
 * here first, to keep away from the coordinator and verify against later ({@link ExportedHead}).
 */
@Command(
        name = "head",
        mixinStandardHelpOptions = true,
        header = "export the audit log's signed head, to check a later verification against",
        description = "Exports the audit chain's head - the last entry's sequence number and hash - signed by the"
                + " coordinator, with its public key. Keep the file away from the coordinator (a ticket, a mail,"
                + " another machine): 'cohort audit verify --expect-head FILE' later fails if the log no longer reaches"
                + " that head, i.e. entries were cut from its end or the log was rewritten and re-signed.")
final class HeadCommand extends CoordinatorCommand {

    @Option(
            names = "--out",
            paramLabel = "FILE",
            description = "where to write it (default: print it); written as JSON")
    private String out;

    HeadCommand(CommandContext context) {
        super(context);
    }

    @Override
    public Integer call() {
        JsonNode head = coordinator().audit().head();
        ExportedHead.checkSignature(head, "the coordinator's answer");
        String text = context.json().writerWithDefaultPrettyPrinter().writeValueAsString(head);
        if (out == null || out.equals("-")) {
            context.out().println(text);
            return Cohort.OK;
        }
        Path file = Path.of(out);
        writeOut(file, text + "\n", "the head");
        context.out()
                .println("wrote " + file + ": audit head #" + head.path("seq").asLong() + " "
                        + head.path("hash").asString() + ", signed by "
                        + head.path("signer").asString());
        context.out()
                .println("keep it away from the coordinator; check later with: cohort audit verify --expect-head "
                        + file);
        return Cohort.OK;
    }
}
