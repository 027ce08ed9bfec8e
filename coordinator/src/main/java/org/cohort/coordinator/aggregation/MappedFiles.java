package org.cohort.coordinator.aggregation;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What the memory-mapped sums need of the file system: mapping a file read-only, unmapping at
 * once, checking a directory has room, and saying how much in words an operator can act on.
 */
final class MappedFiles {
    private static final MethodHandle INVOKE_CLEANER = findCleaner();

    private MappedFiles() {}

    static MappedByteBuffer mapRead(FileChannel in, Path path, long position, long length) throws IOException {
        try {
            MappedByteBuffer mapped = in.map(FileChannel.MapMode.READ_ONLY, position, length);
            mapped.order(ByteOrder.LITTLE_ENDIAN);
            return mapped;
        } catch (IOException e) {
            throw new IOException("cannot map " + path + " at byte " + position + ": " + e.getMessage(), e);
        }
    }

    /**
     * Unmaps a mapped buffer now rather than whenever the GC collects it. Without this, a small
     * heap may go minutes without a collection while each finished window keeps its mapping, and
     * a deleted update or sum file keeps its disk space until then. Java 21 has no public unmap
     * (the FFM API's Arena does it from Java 22), so this uses {@code sun.misc.Unsafe.invokeCleaner},
     * which the coordinator's JVM flags allow; where it is unavailable the GC unmaps as before.
     * Callers drop every view of the buffer first: touching an unmapped buffer crashes the JVM.
     */
    static void unmap(MappedByteBuffer buffer) {
        if (INVOKE_CLEANER == null) {
            return;
        }
        try {
            INVOKE_CLEANER.invokeExact((ByteBuffer) buffer);
        } catch (Throwable e) {
            // denied (a future JDK's default for sun.misc.Unsafe): the GC unmaps it later
        }
    }

    private static MethodHandle findCleaner() {
        try {
            Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            Field field = unsafeClass.getDeclaredField("theUnsafe");
            field.setAccessible(true);
            return MethodHandles.lookup()
                    .findVirtual(unsafeClass, "invokeCleaner", MethodType.methodType(void.class, ByteBuffer.class))
                    .bindTo(field.get(null));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

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
