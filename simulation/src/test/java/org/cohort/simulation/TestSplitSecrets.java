package org.cohort.simulation;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.cohort.agent.Dl4jLearner;

/**
 * Gives a test agent the split secret that {@link Dl4jLearner#Dl4jLearner(Path)} uses, before
 * anything reads its work directory: every run, replica layout and restart then holds out the
 * same rows, so runs can be compared model for model.
 */
final class TestSplitSecrets {
    private TestSplitSecrets() {}

    static void install(Path workDir, Path dataFile) {
        Path file = workDir.resolve("split-secret");
        try {
            Files.createDirectories(workDir);
            if (!Files.exists(file)) {
                Files.createFile(
                        file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.write(file, Dl4jLearner.fixedSplitSecret(dataFile));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
