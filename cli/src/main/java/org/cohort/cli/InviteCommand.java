package org.cohort.cli;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.cohort.protocol.OwnerOnlyFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;

/**
 * {@code cohort sites invite NAME --out FILE}: issues a one-time enrollment token for a hospital
 * and writes it, with everything else its agent's first start needs, as a join code to a file
 * only its owner can read. The code is never printed: a terminal's scroll-back and a CI log are
 * not private channels.
 */
@Command(
        name = "invite",
        mixinStandardHelpOptions = true,
        header = "a one-time join code for a hospital's agent",
        customSynopsis = "cohort sites invite NAME --out FILE [--ttl-minutes N] [--agent-address HOST:PORT]..."
                + " [--coordinator URL] [--token-file PATH]",
        description = "Issues a one-time enrollment token for the hospital NAME and writes its join code (the token,"
                + " the coordinator's agent addresses and the CA fingerprint the agent pins) to FILE, readable by its"
                + " owner only. Give FILE to the hospital's admin over a private channel; there: cohort-agent init"
                + " --join FILE --data <data file>.")
final class InviteCommand extends CoordinatorCommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "the hospital's name, as the coordinator will show it")
    private String siteName;

    @Option(names = "--out", paramLabel = "FILE", required = true, description = "where to write the join code")
    private Path out;

    @Option(
            names = "--ttl-minutes",
            paramLabel = "N",
            defaultValue = "1440",
            description = "how long the code works (default: ${DEFAULT-VALUE}, one day; at most 43200)")
    private long ttlMinutes;

    @Option(
            names = "--agent-address",
            paramLabel = "HOST:PORT",
            description = "an address the hospital's agent dials, once per replica (default: the coordinator's first"
                    + " public host name and its agent port)")
    private List<String> agentAddresses;

    InviteCommand(CommandContext context) {
        super(context);
    }

    @Override
    public Integer call() {
        if (Files.exists(out, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new UsageException(out + " exists; a join code is never written over a file (choose another --out)");
        }
        JsonNode issued = coordinator()
                .enrollment()
                .token(siteName, Duration.ofMinutes(ttlMinutes), agentAddresses == null ? List.of() : agentAddresses);
        writeOwnerOnly(out, issued.path("joinCode").asString() + "\n");
        context.out()
                .println("wrote " + out + ": the join code for " + siteName + " (works once, until "
                        + issued.path("expiresAt").asString() + "; CA "
                        + issued.path("caFingerprint").asString()
                        + ")");
        context.out()
                .println("give it to the hospital's admin over a private channel; there: cohort-agent init --join "
                        + out.getFileName() + " --data <data file>");
        return Cohort.OK;
    }

    private static void writeOwnerOnly(Path file, String text) {
        try {
            if (file.toAbsolutePath().getParent() != null) {
                Files.createDirectories(file.toAbsolutePath().getParent());
            }
            OwnerOnlyFiles.create(file, text);
        } catch (FileAlreadyExistsException e) {
            throw new CommandFailed(file + " appeared meanwhile; the token was issued but not written: invite again"
                    + " with another --out");
        } catch (IOException e) {
            throw new CommandFailed("the token was issued but cannot be written to " + file + " (" + e.getMessage()
                    + "); invite again with another --out");
        }
    }
}
