package org.cohort.coordinator.aggregation;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The file a {@link MappedWeightedSum} keeps its float64 values in: a sparse file (creating the
 * sum costs nothing, and untouched parameters read as zeros), memory-mapped in windows because one
 * {@link MappedByteBuffer} addresses at most 2 GB. The windows stay mapped until {@link #close()}:
 * the first store to each 4 KiB page of a mapping is a page fault, which costs more than the
 * arithmetic on the page's 512 values, so remapping per chunk would cut the throughput several times.
 */
final class SumWindows implements AutoCloseable {
    private static final int SUM_BYTES = Double.BYTES;

    private final Path directory;
    private final Path file;
    private final FileChannel channel;
    private final long numParameters;
    private final int windowParameters;
    private final MappedByteBuffer[] windows;
    private final DoubleBuffer[] views;
    /** Per window: whether anything may have been added to it (false: still a hole of zeros). */
    private final boolean[] touched;
    /** Direct buffer for write()s of fresh windows, allocated on first use. */
    private ByteBuffer staging;

    /**
     * A zero sum of {@code numParameters} values in a new file in {@code directory}, in windows of
     * {@code windowParameters} values.
     *
     * @throws IOException if the directory lacks the {@code 8 × numParameters} bytes the sum needs
     *     (the message names both), or the file cannot be created
     */
    SumWindows(Path directory, long numParameters, int windowParameters, int windowCount) throws IOException {
        this.directory = directory.toAbsolutePath();
        this.numParameters = numParameters;
        this.windowParameters = windowParameters;
        this.windows = new MappedByteBuffer[windowCount];
        this.views = new DoubleBuffer[windowCount];
        this.touched = new boolean[windowCount];
        if (!Files.isDirectory(this.directory)) {
            throw new NoSuchFileException(this.directory.toString(), null, "no such directory for the running sum");
        }
        long needed = numParameters * SUM_BYTES;
        MappedFiles.requireSpace(this.directory, needed, "the float64 running sum of " + numParameters + " parameters");
        this.file = Files.createTempFile(this.directory, "cohort-sum-", ".f64");
        FileChannel opened = null;
        try {
            opened = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            // A sparse file: the kernel allocates blocks as windows are first written. Writing zeros
            // up front would make the sum's disk traffic twice as large.
            opened.truncate(0);
            opened.write(ByteBuffer.allocate(1), needed - 1);
        } catch (IOException | RuntimeException e) {
            if (opened != null) {
                opened.close();
            }
            Files.deleteIfExists(file);
            throw new IOException(
                    "cannot create the running sum file in " + this.directory + " (it needs "
                            + MappedFiles.bytes(needed) + "): " + e.getMessage(),
                    e);
        }
        this.channel = opened;
    }

    Path file() {
        return file;
    }

    Path directory() {
        return directory;
    }

    int count() {
        return windows.length;
    }

    /** The first parameter of window {@code w}. */
    long first(int w) {
        return (long) w * windowParameters;
    }

    /** How many parameters window {@code w} holds (the last may hold fewer). */
    int length(int w) {
        return (int) Math.min(windowParameters, numParameters - first(w));
    }

    /** Whether nothing was added to window {@code w} yet: it is still a hole of zeros. */
    boolean fresh(int w) {
        return !touched[w];
    }

    /** Something is (about to be) added to window {@code w}. */
    void touch(int w) {
        touched[w] = true;
    }

    /** Window {@code w}, mapped on first use. */
    DoubleBuffer window(int w) throws IOException {
        DoubleBuffer view = views[w];
        if (view == null) {
            long length = (long) length(w) * SUM_BYTES;
            MappedByteBuffer mapped;
            try {
                mapped = channel.map(FileChannel.MapMode.READ_WRITE, first(w) * SUM_BYTES, length);
            } catch (IOException e) {
                throw new IOException(
                        "cannot map window " + w + " of the running sum " + file + ": " + e.getMessage(), e);
            }
            mapped.order(ByteOrder.LITTLE_ENDIAN);
            windows[w] = mapped;
            view = mapped.asDoubleBuffer();
            views[w] = view;
        }
        return view;
    }

    /**
     * Writes values[0..n) from parameter {@code first} with write(), not through the mapping: for a
     * fresh window this fills the page cache without a page fault per page.
     */
    void write(long first, double[] values, int n) throws IOException {
        if (staging == null) {
            staging = ByteBuffer.allocateDirect(values.length * SUM_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        }
        staging.clear();
        staging.asDoubleBuffer().put(0, values, 0, n);
        staging.limit(n * SUM_BYTES);
        long position = first * SUM_BYTES;
        while (staging.hasRemaining()) {
            position += channel.write(staging, position);
        }
    }

    /** Copies {@code count} values from parameter {@code offset} into {@code into}. */
    void read(long offset, double[] into, int count) throws IOException {
        int done = 0;
        while (done < count) {
            long at = offset + done;
            int index = (int) (at % windowParameters);
            int n = Math.min(count - done, windowParameters - index);
            window((int) (at / windowParameters)).get(index, into, done, n);
            done += n;
        }
    }

    /** Unmaps every window and deletes the file. */
    @Override
    public void close() throws IOException {
        for (int w = 0; w < windows.length; w++) {
            views[w] = null; // no view may outlive the mapping it reads
            if (windows[w] != null) {
                MappedFiles.unmap(windows[w]);
                windows[w] = null;
            }
        }
        try {
            channel.close();
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
