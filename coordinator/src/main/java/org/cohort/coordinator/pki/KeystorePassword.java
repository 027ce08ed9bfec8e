package org.cohort.coordinator.pki;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * Where the password of the CA keystore ({@code <data-dir>/ca.p12}: the CA key and the key that
 * signs models and the audit chain) comes from. Never from the data directory: whoever copies
 * that directory (a backup, a snapshot, a stolen disk) would hold the keys and the password
 * together, and could re-sign the audit chain at will.
 *
 * <p>In order: the configured password ({@code COHORT_KEYSTORE_PASSWORD}); a password file the
 * operator keeps outside the data directory, readable by its owner only
 * ({@code COHORT_KEYSTORE_PASSWORD_FILE}); else - unless a configured one is required - a
 * generated one in {@code <data-dir>-secrets/ca-password} beside the data directory, with a
 * warning: enough for a demo and tests, not for production.
 *
 * @param source  where it came from, for the startup log
 * @param warning what the operator should change, or null
 */
public record KeystorePassword(char[] password, String source, String warning) {
    static final String FILE_NAME = "ca-password";
    private static final Set<PosixFilePermission> GROUP_OR_OTHERS = EnumSet.of(
            PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_EXECUTE);
    private static final String HOW = "set COHORT_KEYSTORE_PASSWORD (cohort.coordinator.keystore-password) or point"
            + " COHORT_KEYSTORE_PASSWORD_FILE (cohort.coordinator.keystore-password-file) at a file outside the data"
            + " directory that only the coordinator's user can read (chmod 600)";

    /**
     * @param configured the configured password, "" when none
     * @param file       the configured password file, null when none
     * @param required   refuse to generate one (production: the operator must provide it)
     * @throws IllegalStateException with what to do, when the configuration is unsafe or unusable
     */
    public static KeystorePassword resolve(Path dataDir, String configured, Path file, boolean required) {
        Path legacy = dataDir.resolve(FILE_NAME);
        if (!configured.isEmpty()) {
            return new KeystorePassword(
                    configured.toCharArray(), "cohort.coordinator.keystore-password", leftover(legacy));
        }
        if (file != null) {
            return new KeystorePassword(readProtected(dataDir, file), file.toString(), leftover(legacy));
        }
        if (required) {
            throw new IllegalStateException("cohort.coordinator.require-keystore-password is on but no keystore"
                    + " password is configured: " + HOW);
        }
        Path generated = defaultFile(dataDir);
        privateDirectory(generated.getParent());
        String moved = "";
        if (Files.exists(legacy) && !Files.exists(generated)) {
            move(legacy, generated);
            moved = " It was moved there from " + legacy + ", where it sat beside the keystore it protects: copies of"
                    + " the data directory made before today hold both.";
        }
        String secret;
        try {
            secret = PkiConfiguration.secretFile(generated);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot create the keystore password file " + generated + " (" + e.getMessage() + "); " + HOW, e);
        }
        return new KeystorePassword(
                secret.toCharArray(),
                generated.toString(),
                "the CA keystore password is the"
                        + " generated file " + generated + ", outside the data directory " + dataDir
                        + " but on the same"
                        + " host." + moved + " For production, " + HOW + ", e.g. from a secrets manager, and set"
                        + " cohort.coordinator.require-keystore-password=true");
    }

    /** {@code <data-dir>-secrets/ca-password}: beside the data directory, not in it. */
    static Path defaultFile(Path dataDir) {
        Path dir = dataDir.toAbsolutePath().normalize();
        return dir.resolveSibling(dir.getFileName() + "-secrets").resolve(FILE_NAME);
    }

    private static char[] readProtected(Path dataDir, Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("the keystore password file " + file + " does not exist; create it"
                    + " (one line, owner-only: chmod 600) or unset COHORT_KEYSTORE_PASSWORD_FILE");
        }
        try {
            Path real = file.toRealPath();
            if (real.startsWith(dataDir.toAbsolutePath().normalize())
                    || (Files.exists(dataDir) && real.startsWith(dataDir.toRealPath()))) {
                throw new IllegalStateException("the keystore password file " + file + " is inside the data directory "
                        + dataDir + ", beside the keystore it protects; move it elsewhere (another volume, a secrets"
                        + " mount) and point COHORT_KEYSTORE_PASSWORD_FILE at the new place");
            }
            try {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(real);
                if (!ownerOnly(perms) && !readOnlySecretMount(perms)) {
                    throw new IllegalStateException("the keystore password file " + file + " can be read or changed by"
                            + " other users (" + PosixFilePermissions.toString(perms) + "); run chmod 600 " + file
                            + " (a read-only"
                            + " 0440 file, as Kubernetes mounts a Secret for the pod's fsGroup, is accepted too)");
                }
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system: its own access control applies
            }
            String secret = Files.readString(real).strip();
            if (secret.isEmpty()) {
                throw new IllegalStateException(
                        "the keystore password file " + file + " is empty; write the password" + " on its first line");
            }
            return secret.toCharArray();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the keystore password file " + file + ": " + e.getMessage(), e);
        }
    }

    private static boolean ownerOnly(Set<PosixFilePermission> perms) {
        return perms.stream().noneMatch(GROUP_OR_OTHERS::contains);
    }

    /**
     * 0440 or 0400-with-group-read: how Kubernetes mounts a Secret file with {@code defaultMode:
     * 0400} once the pod sets {@code fsGroup} (the kubelet adds group read for the pod's own group;
     * kubernetes/kubernetes#57923). Nobody can write it, and others cannot read it; refusing it
     * would leave only worse choices (the password in the environment, or no check at all).
     */
    static boolean readOnlySecretMount(Set<PosixFilePermission> perms) {
        return perms.equals(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.GROUP_READ))
                || perms.equals(EnumSet.of(PosixFilePermission.GROUP_READ));
    }

    private static String leftover(Path legacy) {
        return Files.exists(legacy)
                ? legacy + " still holds a keystore password beside the keystore; the configured"
                        + " password is used instead - delete that file"
                : null;
    }

    /** Creates the directory for generated secrets, owner-only. */
    private static void privateDirectory(Path dir) {
        try {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system: its own access control applies
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot create " + dir + " for the generated keystore password (" + e.getMessage() + "); " + HOW,
                    e);
        }
    }

    private static void move(Path from, Path to) {
        try {
            try {
                Files.setPosixFilePermissions(from, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system
            }
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot move the keystore password " + from + " out of the data directory" + " to " + to + " ("
                            + e.getMessage() + "); move it yourself, or " + HOW,
                    e);
        }
    }
}
