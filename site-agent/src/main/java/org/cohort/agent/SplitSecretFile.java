package org.cohort.agent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Set;
import org.cohort.learning.data.SplitKey;

/**
 * The site's split secret in the agent's state directory: generated once, readable by the agent's
 * user only (0600), never sent. Kept across restarts so a site that re-joins a study evaluates on
 * the same held-out patients it held out before (a new secret would put some of them into
 * training).
 */
public final class SplitSecretFile {

    static final String FILE_NAME = "split-secret";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private SplitSecretFile() {}

    /**
     * The site's split key from {@code stateDir}, creating the secret the first time.
     *
     * @throws IllegalStateException when the file exists but is readable by others or has the
     *     wrong length, saying what to do
     */
    public static SplitKey loadOrCreate(Path stateDir) {
        Path file = stateDir.resolve(FILE_NAME);
        try {
            Files.createDirectories(stateDir);
            if (!Files.exists(file)) {
                create(file);
            }
            return load(file);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot read or create the split secret " + file
                            + "; the agent's user needs to be able to write its work directory",
                    e);
        }
    }

    private static void create(Path file) throws IOException {
        byte[] secret = new byte[SplitKey.SECRET_BYTES];
        try {
            SecureRandom.getInstance("DRBG").nextBytes(secret);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no DRBG SecureRandom, which Java 9 and later provide", e);
        }
        Path temp = file.resolveSibling(FILE_NAME + ".tmp");
        Files.deleteIfExists(temp);
        // Owner-only from the first byte written: set at creation, not after.
        if (posix(file)) {
            Files.createFile(temp, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } else {
            Files.createFile(temp);
        }
        Files.write(temp, secret);
        Arrays.fill(secret, (byte) 0);
        try {
            // A hard link appears whole or not at all, and never replaces a secret already there.
            Files.createLink(file, temp);
        } catch (FileAlreadyExistsException e) {
            // another agent process created it first: use theirs
        } catch (UnsupportedOperationException e) {
            Files.move(temp, file);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static SplitKey load(Path file) throws IOException {
        if (posix(file)) {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            if (!OWNER_ONLY.containsAll(permissions)) {
                throw new IllegalStateException("the split secret " + file + " is readable by other users ("
                        + PosixFilePermissions.toString(permissions) + "); run chmod 600 " + file
                        + " as the agent's user, or delete it before the site's first study to make a new one");
            }
        }
        byte[] secret = Files.readAllBytes(file);
        try {
            if (secret.length != SplitKey.SECRET_BYTES) {
                throw new IllegalStateException("the split secret " + file + " has " + secret.length + " bytes, not "
                        + SplitKey.SECRET_BYTES + "; it was damaged: restore it from a backup (deleting it changes"
                        + " which patients this site holds out)");
            }
            return SplitKey.of(secret);
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    private static boolean posix(Path file) {
        return Files.getFileAttributeView(file.getParent(), PosixFileAttributeView.class) != null;
    }
}
