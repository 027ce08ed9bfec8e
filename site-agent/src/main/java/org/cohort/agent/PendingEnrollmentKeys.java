package org.cohort.agent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cohort.crypto.pki.PrivateDirectories;
import org.cohort.crypto.pki.SiteKeys;
import org.cohort.protocol.OwnerOnlyFiles;

/**
 * The keys of an enrollment that has not finished, kept in the work directory from before its first try
 * until the identity is saved. An agent stopped after the coordinator used its token but before the
 * answer arrived sends, when started again, the very same request, which the coordinator answers again
 * (within its repeat window) instead of refusing a used token. Owner-only, in the private work directory,
 * as the keystore's password file beside it.
 */
public final class PendingEnrollmentKeys {
    private PendingEnrollmentKeys() {}

    /** Where the pending keys live. */
    public static Path file(Path workDir) {
        return workDir.resolve("pending-enrollment.keys");
    }

    /** The pending keys of {@code workDir}, created and written (owner-only) before first use when there are none. */
    public static SiteKeys loadOrCreate(Path workDir) {
        Path file = file(workDir);
        try {
            if (Files.exists(file)) {
                try {
                    return SiteKeys.fromPendingText(Files.readString(file, StandardCharsets.UTF_8));
                } catch (IllegalArgumentException e) {
                    throw new IllegalStateException(file + " is damaged (" + e.getMessage() + "): delete it, and"
                            + " if the coordinator already used this site's token, ask its operator for a new one");
                }
            }
            PrivateDirectories.create(workDir);
            SiteKeys keys = SiteKeys.generate();
            OwnerOnlyFiles.create(file, keys.toPendingText());
            return keys;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the enrollment's keys in " + file + ": " + e.getMessage(), e);
        }
    }

    /** Deletes the pending keys once the identity holding them is saved. */
    static void forget(Path workDir) {
        try {
            Files.deleteIfExists(file(workDir));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + file(workDir) + ": " + e.getMessage(), e);
        }
    }
}
