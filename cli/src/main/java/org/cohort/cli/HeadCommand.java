package org.cohort.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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
final class HeadCommand implements Callable<Integer> {
    private final CommandContext context;

    @Option(
            names = "--out",
            paramLabel = "FILE",
            description = "where to write it (default: print it); written as JSON")
    private String out;

    @Mixin
    private ConnectionOptions connection;

    HeadCommand(CommandContext context) {
        this.context = context;
    }

    @Override
    public Integer call() {
        JsonNode head = Connection.open(connection, context).audit().head();
        ExportedHead.checkSignature(head, "the coordinator's answer");
        String text = context.json().writerWithDefaultPrettyPrinter().writeValueAsString(head);
        if (out == null || out.equals("-")) {
            context.out().println(text);
            return Cohort.OK;
        }
        Path file = Path.of(out);
        try {
            if (file.toAbsolutePath().getParent() != null) {
                Files.createDirectories(file.toAbsolutePath().getParent());
            }
            Files.writeString(file, text + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CommandFailed(
                    "cannot write the head to " + file + ": " + e.getMessage() + "; choose another --out");
        }
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
