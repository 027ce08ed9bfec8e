package org.cohort.protocol;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Writes a new file that only its owner can read (a join code, an agent configuration holding an
 * enrollment token). Created and written through one channel, never reopened by name: a symlink
 * planted at the path, before or after, is refused or never followed, and the secret never sits
 * in a file others could read.
 */
public final class OwnerOnlyFiles {
    private OwnerOnlyFiles() {}

    /**
     * Creates {@code file} (it must not exist) with mode 0600 where the file system has POSIX
     * permissions, and writes {@code text} as UTF-8.
     *
     * @throws java.nio.file.FileAlreadyExistsException if something is at {@code file}, a link included
     */
    public static void create(Path file, String text) throws IOException {
        Set<StandardOpenOption> options = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try (SeekableByteChannel channel = open(file, options)) {
            ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
        }
    }

    private static SeekableByteChannel open(Path file, Set<StandardOpenOption> options) throws IOException {
        try {
            return Files.newByteChannel(
                    file,
                    withNoFollow(options),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            return Files.newByteChannel(file, withNoFollow(options)); // no POSIX permissions here
        }
    }

    private static Set<java.nio.file.OpenOption> withNoFollow(Set<StandardOpenOption> options) {
        Set<java.nio.file.OpenOption> all = new java.util.HashSet<>(options);
        all.add(LinkOption.NOFOLLOW_LINKS);
        return all;
    }
}
