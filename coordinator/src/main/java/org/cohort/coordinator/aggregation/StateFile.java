package org.cohort.coordinator.aggregation;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A stateful strategy's {@link Strategy.State} in files: the state the base version left is read
 * from its file (or is all zeros before the first round), and the next state is written to a new
 * file chunk by chunk, forced to disk by {@link #finish()} before the version it belongs to is
 * published. The files lie next to the model versions in the shared data directory, so whichever
 * replica drives the next round reads them.
 *
 * <p>Format: a header (magic {@code CSTA}, format 1, the strategy's name, the number of vectors,
 * the number of parameters), then each vector as little-endian float32, one after the other.
 * A file written for another strategy or model size is refused rather than misread.
 */
public final class StateFile implements Strategy.State, AutoCloseable {
    private static final int MAGIC = 0x43535441; // "CSTA"
    private static final int FORMAT = 1;

    private final String strategy;
    private final int vectors;
    private final long numParameters;
    private final Path previousFile;
    private final FileChannel previous;
    private final long previousHeader;
    private final Path nextFile;
    private final FileChannel next;
    private final long nextHeader;
    private long written;
    private boolean finished;

    /**
     * @param previousFile the state the base version left, or null when there is none yet (zeros)
     * @param nextFile     where the next state goes (replaced)
     */
    public StateFile(Path previousFile, Path nextFile, String strategy, int vectors, long numParameters) {
        this.strategy = strategy;
        this.vectors = vectors;
        this.numParameters = numParameters;
        this.previousFile = previousFile;
        this.nextFile = nextFile;
        FileChannel in = null;
        FileChannel out = null;
        try {
            if (previousFile != null) {
                in = FileChannel.open(previousFile, StandardOpenOption.READ);
            }
            this.previousHeader = in == null ? 0 : checkHeader(in);
            out = FileChannel.open(
                    nextFile,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
            ByteBuffer header = header();
            this.nextHeader = header.remaining();
            while (header.hasRemaining()) {
                out.write(header);
            }
        } catch (IOException | RuntimeException e) {
            closeQuietly(in);
            closeQuietly(out);
            deleteQuietly(nextFile);
            if (e instanceof IOException io) {
                throw new UncheckedIOException(
                        "cannot open the " + strategy + " state (" + previousFile + " -> " + nextFile + "): "
                                + io.getMessage(),
                        io);
            }
            throw (RuntimeException) e;
        }
        this.previous = in;
        this.next = out;
    }

    /**
     * Where vector {@code k} of a state file begins (bytes), after checking that the file is a state
     * of {@code strategy} with {@code vectors} vectors of {@code numParameters} values: how a vector
     * of it (SCAFFOLD's c) is streamed to the sites without copying the file.
     */
    public static long vectorStart(FileChannel in, Path file, String strategy, int vectors, long numParameters, int k)
            throws IOException {
        if (k < 0 || k >= vectors) {
            throw new IllegalArgumentException(
                    "a " + strategy + " state has vectors 0 to " + (vectors - 1) + ", not " + k);
        }
        var reader = new StateFile(strategy, vectors, numParameters, file);
        return reader.checkHeader(in) + k * numParameters * Float.BYTES;
    }

    /** Only to check a header ({@link #vectorStart}): opens nothing. */
    private StateFile(String strategy, int vectors, long numParameters, Path previousFile) {
        this.strategy = strategy;
        this.vectors = vectors;
        this.numParameters = numParameters;
        this.previousFile = previousFile;
        this.previous = null;
        this.previousHeader = 0;
        this.nextFile = null;
        this.next = null;
        this.nextHeader = 0;
        this.finished = true;
    }

    private ByteBuffer header() {
        byte[] name = strategy.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(4 + 4 + 2 + name.length + 4 + 8).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC)
                .putInt(FORMAT)
                .putShort((short) name.length)
                .put(name)
                .putInt(vectors)
                .putLong(numParameters);
        return b.flip();
    }

    private long checkHeader(FileChannel in) throws IOException {
        ByteBuffer expected = header();
        ByteBuffer found = ByteBuffer.allocate(expected.remaining());
        while (found.hasRemaining() && in.read(found) >= 0) {
            // keep reading
        }
        found.flip();
        long size = in.size();
        long wanted = expected.remaining() + (long) vectors * numParameters * Float.BYTES;
        if (!found.equals(expected) || size != wanted) {
            throw new IllegalStateException("the strategy state " + previousFile + " is not a " + strategy
                    + " state of " + vectors + " vectors of " + numParameters + " parameters (" + size + " bytes,"
                    + " expected " + wanted + "); it was written for another strategy or model, or is damaged");
        }
        return expected.remaining();
    }

    @Override
    public float[][] read(long offset, int count) {
        check(offset, count);
        float[][] values = new float[vectors][count];
        if (previous == null) {
            return values;
        }
        ByteBuffer buf = ByteBuffer.allocate(count * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        try {
            for (int k = 0; k < vectors; k++) {
                buf.clear();
                long at = previousHeader + ((long) k * numParameters + offset) * Float.BYTES;
                while (buf.hasRemaining()) {
                    int n = previous.read(buf, at);
                    if (n < 0) {
                        throw new IOException("it ends before parameter " + (offset + count));
                    }
                    at += n;
                }
                buf.flip();
                buf.asFloatBuffer().get(values[k]);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the strategy state " + previousFile + ": " + e.getMessage(), e);
        }
        return values;
    }

    @Override
    public void write(long offset, float[][] values) {
        if (values.length != vectors) {
            throw new IllegalArgumentException(
                    "a " + strategy + " state has " + vectors + " vectors, got " + values.length);
        }
        int count = values[0].length;
        check(offset, count);
        if (offset != written) {
            throw new IllegalStateException(
                    "state chunks must come in order: expected parameter " + written + ", got " + offset);
        }
        ByteBuffer buf = ByteBuffer.allocate(count * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        try {
            for (int k = 0; k < vectors; k++) {
                buf.clear();
                buf.asFloatBuffer().put(values[k]);
                long at = nextHeader + ((long) k * numParameters + offset) * Float.BYTES;
                while (buf.hasRemaining()) {
                    at += next.write(buf, at);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot write the strategy state " + nextFile + " (is the disk full?): " + e.getMessage(), e);
        }
        written += count;
    }

    private void check(long offset, int count) {
        if (offset < 0 || count < 0 || offset + count > numParameters) {
            throw new IllegalArgumentException("state chunk [" + offset + ", " + (offset + count)
                    + ") lies outside the model of " + numParameters + " parameters");
        }
    }

    /** Forces the complete next state to disk and closes the files; returns the next state's file. */
    public Path finish() {
        if (written != numParameters) {
            throw new IllegalStateException("the " + strategy + " state holds " + written + " of " + numParameters
                    + " parameters; nothing is published without all of them");
        }
        try {
            next.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot force the strategy state " + nextFile + " to disk", e);
        }
        finished = true;
        closeQuietly(previous);
        closeQuietly(next);
        return nextFile;
    }

    /** Closes the files; an unfinished next state is deleted. */
    @Override
    public void close() {
        closeQuietly(previous);
        closeQuietly(next);
        if (!finished) {
            deleteQuietly(nextFile);
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            if (channel != null) {
                channel.close();
            }
        } catch (IOException ignored) {
            // nothing more to do with it
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a leftover temporary state is replaced by the next attempt
        }
    }
}
