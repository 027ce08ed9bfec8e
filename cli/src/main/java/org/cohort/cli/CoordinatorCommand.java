package org.cohort.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.cohort.client.CoordinatorClient;
import picocli.CommandLine.Mixin;

/**
 * A command that asks the coordinator: it holds the command's context and the connection options
 * ({@code --coordinator}, {@code --token-file}), opens the client they name, and writes a result
 * to the file its {@code --out} names.
 */
abstract class CoordinatorCommand implements Callable<Integer> {
    final CommandContext context;

    @Mixin
    private ConnectionOptions connection;

    CoordinatorCommand(CommandContext context) {
        this.context = context;
    }

    /** A client of the coordinator the options name, with the admin token they point to. */
    CoordinatorClient coordinator() {
        return Connection.open(connection, context);
    }

    /**
     * Writes {@code text} to {@code file}, creating its folders.
     *
     * @param what what is written, for the message if it cannot be
     * @throws CommandFailed if the file cannot be written
     */
    static void writeOut(Path file, String text, String what) {
        try {
            if (file.toAbsolutePath().getParent() != null) {
                Files.createDirectories(file.toAbsolutePath().getParent());
            }
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CommandFailed(
                    "cannot write " + what + " to " + file + ": " + e.getMessage() + "; choose another --out");
        }
    }
}
