package org.cohort.coordinator.aggregation;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What the file-backed sums need of the file system: checking a directory has room, and saying
 * how much in words an operator can act on.
 */
final class MappedFiles {
    private MappedFiles() {}

    static void requireSpace(Path directory, long needed, String what) throws IOException {
        if (needed <= 0) {
            return;
        }
        long usable = usable(directory);
        if (usable < needed) {
            throw new IOException("not enough disk space in " + directory + ": " + what + " needs " + bytes(needed)
                    + " but only " + bytes(usable) + " are usable there; free space or use a larger directory");
        }
    }

    static long usable(Path directory) {
        try {
            return Files.getFileStore(directory).getUsableSpace();
        } catch (IOException e) {
            return directory.toFile().getUsableSpace();
        }
    }

    static String bytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " bytes";
        }
        double value = bytes;
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        int unit = -1;
        do {
            value /= 1024;
            unit++;
        } while (value >= 1024 && unit < units.length - 1);
        return String.format(Locale.ROOT, "%d bytes (%.1f %s)", bytes, value, units[unit]);
    }
}
