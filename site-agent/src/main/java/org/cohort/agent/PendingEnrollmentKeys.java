package org.cohort.agent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import org.cohort.crypto.pki.PrivateDirectories;
import org.cohort.crypto.pki.SiteKeys;
import org.cohort.protocol.OwnerOnlyFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keys of an enrollment that has not finished, kept in the work directory from before its first try
 * until the identity is saved. An agent stopped after the coordinator used its token but before the
 * answer arrived sends, when started again, the very same request, which the coordinator answers again
 * (within its repeat window) instead of refusing a used token.
 *
 * <p>The file holds private keys in clear, so it is trusted only as the keystore's password file beside it
 * is: a regular file (never a link), this user's, mode 0600, in a work directory only this user can enter,
 * at most {@value #MAX_BYTES} bytes; anything else stops the agent saying what to do, so that nobody else
 * able to write there can make the site enroll with keys they know. It names the token it was made for (by
 * SHA-256): another token gets fresh keys, never those of an enrollment refused or revoked before. It is
 * written to a temporary file, forced to disk and moved into place, so a crash leaves it whole or absent.
 */
public final class PendingEnrollmentKeys {
    private static final Logger log = LoggerFactory.getLogger(PendingEnrollmentKeys.class);

    /** Far more than the header and four base64 keys take (about 500 bytes). */
    static final int MAX_BYTES = 8192;

    private static final String TOKEN_LINE = "token sha256:";

    private PendingEnrollmentKeys() {}

    /** Where the pending keys live. */
    public static Path file(Path workDir) {
        return workDir.resolve("pending-enrollment.keys");
    }

    /**
     * The pending keys of {@code workDir} for {@code token}: those kept for it, else fresh ones, written
     * before they are used.
     *
     * @throws IllegalStateException in words when a file is there that this agent must not trust
     */
    public static SiteKeys loadOrCreate(Path workDir, String token) {
        Path file = file(workDir);
        String tokenLine = TOKEN_LINE + HexFormat.of().formatHex(sha256(token.strip())) + "\n";
        try {
            // Judged as found, before this agent makes its work directory private again.
            if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                String text = trusted(workDir, file);
                if (text.startsWith(tokenLine)) {
                    try {
                        return SiteKeys.fromPendingText(text.substring(tokenLine.length()));
                    } catch (IllegalArgumentException e) {
                        throw new IllegalStateException(file + " is damaged (" + e.getMessage() + "): delete it,"
                                + " and if the coordinator already used this site's token, ask its operator for a new"
                                + " one");
                    }
                }
                // Made for another token (one refused, expired or revoked): never reused with a new one.
                log.info("{} was made for another enrollment token: new keys for this one", file);
            }
            PrivateDirectories.create(workDir);
            SiteKeys keys = SiteKeys.generate();
            write(file, tokenLine + keys.toPendingText());
            return keys;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the enrollment's keys in " + file + ": " + e.getMessage(), e);
        }
    }

    /** The file's text, when it is one this agent wrote for itself; IllegalStateException in words otherwise. */
    private static String trusted(Path workDir, Path file) throws IOException {
        String refused = null;
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            refused = "is not a regular file";
        } else if (!PrivateDirectories.isOwnerOnly(workDir)) {
            refused = "lies in a work directory other users can enter or write";
        } else if (!Files.getOwner(file, LinkOption.NOFOLLOW_LINKS).getName().equals(System.getProperty("user.name"))) {
            refused = "is not this user's";
        } else if (posix(file)
                && !PosixFilePermissions.toString(Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS))
                        .equals("rw-------")) {
            refused = "is readable or writable by others (it must be 0600)";
        } else if (Files.size(file) > MAX_BYTES) {
            refused = "is larger than pending keys are";
        }
        if (refused != null) {
            throw new IllegalStateException(file + " " + refused + ", so this agent does not trust the keys in it:"
                    + " delete it (and check who wrote it), then start the agent again; if the coordinator already"
                    + " used this site's token, ask its operator for a new one");
        }
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    private static boolean posix(Path file) {
        return file.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    /** Whole or not at all: a temporary file, forced to disk, moved into place. */
    private static void write(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            OwnerOnlyFiles.create(tmp, text);
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                channel.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Deletes the pending keys once the identity holding them is saved, or when an identity is already there.
     * Best effort: the agent is enrolled whatever happens here, so a failure is a warning, not a stop.
     */
    static void forget(Path workDir) {
        try {
            Files.deleteIfExists(file(workDir));
        } catch (IOException e) {
            log.warn(
                    "could not delete {} ({}): delete it by hand; it holds keys the site's keystore also holds",
                    file(workDir),
                    e.getMessage());
        }
    }

    private static byte[] sha256(String text) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
