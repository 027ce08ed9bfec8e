package org.cohort.coordinator.aggregation;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * The file a {@link MappedWeightedSum} keeps its float64 values in, read and written with
 * positional {@code read()}/{@code write()} through one reused direct buffer rather than through a
 * memory mapping: a store into a mapped page the process has not touched yet is a page fault (a
 * few microseconds per 4 KiB page, and again after every write-back of a disk file), several
 * times the arithmetic on the page's 512 values, while a {@code write()} into a page the page
 * cache already holds is a plain copy. A full disk then fails a write with an {@link IOException}
 * (ENOSPC) rather than a SIGBUS inside a mapped store.
 *
 * <p>The sum is split into windows (256 MiB by default) that each remember whether anything was
 * added to them yet: one that was not reads as zeros without touching the file, and the first
 * fold writes it whole, never reading what the file holds there. So a file can be reused for
 * another sum without clearing it ({@link SumFilePool}): its pages stay allocated on disk and in
 * the page cache, and a later round writes over them at memory speed. A new file is sparse.
 *
 * <p>Not thread-safe: its {@link MappedWeightedSum} calls it under its own lock.
 */
final class SumFile implements AutoCloseable {
    private static final int SUM_BYTES = Double.BYTES;
    /** Values per read or write: 128 KiB of float64, which stays in L2 with the fold's other blocks. */
    static final int BLOCK = 16 * 1024;

    /** Window state: logically zero and zero on disk (a new sparse file, or zeroed). */
    private static final byte ZERO = 0;
    /** Logically zero, but the file holds an earlier sum's values there (a reused file). */
    private static final byte STALE = 1;
    /** The file holds this sum's values. */
    private static final byte LIVE = 2;

    private final Path directory;
    private final Path file;
    private final FileChannel channel;
    private final ByteBuffer staging =
            ByteBuffer.allocateDirect(BLOCK * SUM_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private final DoubleBuffer stagingDoubles = staging.asDoubleBuffer();
    /** Parameters the file has room for (its size / 8). */
    private long capacity;

    private long numParameters;
    private int windowParameters;
    private byte[] state = new byte[0];
    /** Every parameter from here on is still a hole (zeros) in the file: nothing was ever written there. */
    private long writtenEnd;

    private SumFile(Path directory, Path file, FileChannel channel, long capacity) {
        this.directory = directory;
        this.file = file;
        this.channel = channel;
        this.capacity = capacity;
    }

    /**
     * A new sparse file for {@code numParameters} float64 values in {@code directory}.
     *
     * @throws IOException if the directory lacks the {@code 8 × numParameters} bytes the sum needs
     *     (the message names both), or the file cannot be created
     */
    static SumFile create(Path directory, long numParameters) throws IOException {
        Path dir = directory.toAbsolutePath();
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "no such directory for the running sum");
        }
        long needed = numParameters * SUM_BYTES;
        MappedFiles.requireSpace(dir, needed, "the float64 running sum of " + numParameters + " parameters");
        Path file = Files.createTempFile(dir, "cohort-sum-", ".f64");
        FileChannel opened = null;
        try {
            opened = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            // Sparse: the kernel allocates blocks as windows are first written. Writing zeros up
            // front would double the first sum's disk traffic; later sums reuse the blocks.
            opened.write(ByteBuffer.allocate(1), needed - 1);
            return new SumFile(dir, file, opened, numParameters);
        } catch (IOException | RuntimeException e) {
            if (opened != null) {
                opened.close();
            }
            Files.deleteIfExists(file);
            throw new IOException(
                    "cannot create the running sum file in " + dir + " (it needs " + MappedFiles.bytes(needed) + "): "
                            + e.getMessage(),
                    e);
        }
    }

    /**
     * Starts a new zero sum of {@code numParameters} values in windows of {@code windowParameters}
     * in this file, growing it (sparsely) if it is too small; what the file held is never read.
     */
    void begin(long numParameters, int windowParameters, int windowCount) throws IOException {
        if (numParameters > capacity) {
            long needed = numParameters * SUM_BYTES;
            MappedFiles.requireSpace(
                    directory,
                    needed - capacity * SUM_BYTES,
                    "the float64 running sum of " + numParameters + " parameters");
            channel.write(ByteBuffer.allocate(1), needed - 1);
            capacity = numParameters;
        }
        this.numParameters = numParameters;
        this.windowParameters = windowParameters;
        this.state = new byte[windowCount];
        for (int w = 0; w < windowCount; w++) {
            state[w] = first(w) < writtenEnd ? STALE : ZERO;
        }
    }

    Path file() {
        return file;
    }

    Path directory() {
        return directory;
    }

    long capacity() {
        return capacity;
    }

    int count() {
        return state.length;
    }

    /** The first parameter of window {@code w}. */
    long first(int w) {
        return (long) w * windowParameters;
    }

    /** How many parameters window {@code w} holds (the last may hold fewer). */
    int length(int w) {
        return (int) Math.min(windowParameters, numParameters - first(w));
    }

    int windowParameters() {
        return windowParameters;
    }

    /** Whether nothing was added to window {@code w} yet: it reads as zeros. */
    boolean fresh(int w) {
        return state[w] != LIVE;
    }

    /**
     * Something is about to be added to part of window {@code w}: a window holding an earlier sum's
     * values is zeroed on disk first, so the parts not written read as zeros.
     */
    void touchPart(int w) throws IOException {
        if (state[w] == STALE) {
            long first = first(w);
            int length = length(w);
            staging.clear();
            while (staging.hasRemaining()) {
                staging.put((byte) 0);
            }
            for (int at = 0; at < length; at += BLOCK) {
                writeStaging(first + at, Math.min(BLOCK, length - at));
            }
        }
        state[w] = LIVE;
    }

    /** Window {@code w} is about to be written whole: nothing of what the file holds there is kept. */
    void touchWhole(int w) {
        state[w] = LIVE;
    }

    /**
     * Copies {@code n} values from parameter {@code first} into {@code into[at..)}: zeros for a fresh
     * window. The range lies in one window and {@code n ≤ BLOCK}.
     */
    void readBlock(int w, long first, double[] into, int at, int n) throws IOException {
        if (fresh(w)) {
            Arrays.fill(into, at, at + n, 0.0);
            return;
        }
        staging.clear().limit(n * SUM_BYTES);
        long position = first * SUM_BYTES;
        while (staging.hasRemaining()) {
            int read = channel.read(staging, position);
            if (read < 0) {
                throw new IOException("the running sum file " + file + " ends before parameter " + (first + n));
            }
            position += read;
        }
        stagingDoubles.get(0, into, at, n);
    }

    /** Writes {@code values[at..at+n)} as the sum's values from parameter {@code first}; {@code n ≤ BLOCK}. */
    void writeBlock(long first, double[] values, int at, int n) throws IOException {
        stagingDoubles.put(0, values, at, n);
        writeStaging(first, n);
    }

    private void writeStaging(long first, int n) throws IOException {
        staging.clear().limit(n * SUM_BYTES);
        long position = first * SUM_BYTES;
        writtenEnd = Math.max(writtenEnd, first + n);
        while (staging.hasRemaining()) {
            position += channel.write(staging, position);
        }
    }

    /** Copies {@code count} values from parameter {@code offset} into {@code into[0..count)}. */
    void read(long offset, double[] into, int count) throws IOException {
        int done = 0;
        while (done < count) {
            long at = offset + done;
            int w = (int) (at / windowParameters);
            int n = (int) Math.min(Math.min(count - done, first(w) + length(w) - at), BLOCK);
            readBlock(w, at, into, done, n);
            done += n;
        }
    }

    /** Closes and deletes the file. */
    @Override
    public void close() throws IOException {
        try {
            channel.close();
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
