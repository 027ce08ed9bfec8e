package org.cohort.coordinator.registry;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;

/**
 * Model parameter files (little-endian float32, as agents download them) written and read in
 * chunks, so that a model of any size passes through a few MiB of heap.
 */
public final class ModelFiles {
    /** Values per chunk (4 MiB of float32). */
    public static final int CHUNK_VALUES = 1 << 20;

    private ModelFiles() {}

    /** Produces the parameters of a model being written, one chunk at a time, in order. */
    @FunctionalInterface
    public interface ChunkSource {
        float[] chunk(long offset, int count);
    }

    /**
     * Fills the parameters of a model being written, one chunk at a time, in order, into a buffer
     * reused for every chunk (its first {@code count} values): nothing allocated per chunk.
     */
    @FunctionalInterface
    public interface ChunkFill {
        void fill(long offset, int count, float[] into);
    }

    /** Writes {@code numParameters} values from {@code source} to {@code file} (replaced), forced to disk; returns their SHA-256. */
    public static byte[] write(Path file, long numParameters, ChunkSource source) throws IOException {
        return write(file, numParameters, (offset, count, into) -> {
            float[] values = source.chunk(offset, count);
            if (values.length != count) {
                throw new IllegalStateException(
                        "chunk at " + offset + " has " + values.length + " values, expected " + count);
            }
            System.arraycopy(values, 0, into, 0, count);
        });
    }

    /** As {@link #write(Path, long, ChunkSource)}, the chunks filled into one reused buffer. */
    public static byte[] write(Path file, long numParameters, ChunkFill source) throws IOException {
        MessageDigest sha = ModelRegistry.sha256();
        try (FileChannel ch = FileChannel.open(
                file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK_VALUES * 4).order(ByteOrder.LITTLE_ENDIAN);
            float[] values = new float[(int) Math.min(CHUNK_VALUES, numParameters)];
            for (long offset = 0; offset < numParameters; offset += CHUNK_VALUES) {
                int count = (int) Math.min(CHUNK_VALUES, numParameters - offset);
                source.fill(offset, count, values);
                buf.clear();
                buf.asFloatBuffer().put(0, values, 0, count);
                buf.limit(count * 4);
                sha.update(buf.duplicate());
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
            }
            ch.force(true);
        }
        return sha.digest();
    }

    /** A parameter file opened once for reading chunk after chunk into reused arrays. */
    public static final class Reader implements AutoCloseable {
        private final Path file;
        private final FileChannel channel;
        private final ByteBuffer buf =
                ByteBuffer.allocateDirect(CHUNK_VALUES * 4).order(ByteOrder.LITTLE_ENDIAN);
        private final java.nio.FloatBuffer floats = buf.asFloatBuffer();

        public Reader(Path file) throws IOException {
            this.file = file;
            this.channel = FileChannel.open(file, StandardOpenOption.READ);
        }

        /** Values [offset, offset + count) into {@code into[0..count)}. */
        public void read(long offset, float[] into, int count) throws IOException {
            for (int done = 0; done < count; ) {
                int n = Math.min(CHUNK_VALUES, count - done);
                buf.clear().limit(n * 4);
                long at = (offset + done) * 4;
                while (buf.hasRemaining()) {
                    int read = channel.read(buf, at);
                    if (read < 0) {
                        throw new IOException("model file " + file + " ends before parameter " + (offset + count));
                    }
                    at += read;
                }
                floats.get(0, into, done, n);
                done += n;
            }
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    /** {@code count} values from {@code offset} of a parameter file. */
    public static float[] read(Path file, long offset, int count) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(count * 4).order(ByteOrder.LITTLE_ENDIAN);
            long at = offset * 4;
            while (buf.hasRemaining()) {
                int n = ch.read(buf, at);
                if (n < 0) {
                    throw new IOException("model file " + file + " ends before parameter " + (offset + count));
                }
                at += n;
            }
            buf.flip();
            float[] out = new float[count];
            buf.asFloatBuffer().get(out);
            return out;
        }
    }
}
