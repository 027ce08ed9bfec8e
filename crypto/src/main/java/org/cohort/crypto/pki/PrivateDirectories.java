package org.cohort.crypto.pki;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * Directories that hold keys, the database, spooled updates or a site's ledger: only their owner
 * may read them (0700 on POSIX file systems; elsewhere the platform's defaults apply). A new
 * directory is created with those permissions, so it is never readable by others in between.
 */
public final class PrivateDirectories {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OTHERS = EnumSet.of(
            PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_EXECUTE);

    private PrivateDirectories() {}

    /**
     * Creates {@code dir} (and missing parents) owner-only. An existing directory is tightened to
     * owner-only when this process may change it, so a data directory made by an earlier version
     * is closed too.
     *
     * @return {@code dir}
     * @throws IOException if the directory cannot be created
     */
    public static Path create(Path dir) throws IOException {
        Path absolute = dir.toAbsolutePath();
        if (!isPosix(absolute)) {
            return Files.createDirectories(dir);
        }
        if (!Files.isDirectory(absolute)) {
            Path parent = absolute.getParent();
            if (parent != null && !Files.isDirectory(parent)) {
                create(parent);
            }
            try {
                Files.createDirectory(absolute, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(absolute)) {
                    throw e;
                } // created a moment ago by another thread or replica
            }
        }
        // The attribute above is masked by the umask (it can only take permissions away), and an
        // existing directory keeps what it had: set the bits explicitly.
        try {
            Files.setPosixFilePermissions(absolute, OWNER_ONLY);
        } catch (IOException | SecurityException e) {
            // Not ours to change (a mounted volume, say); isOwnerOnly tells the caller.
        }
        return dir;
    }

    /** True when no one but the owner may read, write or enter {@code dir} (always true off POSIX). */
    public static boolean isOwnerOnly(Path dir) throws IOException {
        if (!isPosix(dir.toAbsolutePath())) {
            return true;
        }
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(dir);
        permissions.retainAll(OTHERS);
        return permissions.isEmpty();
    }

    private static boolean isPosix(Path path) {
        return path.getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}
