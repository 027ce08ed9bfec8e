package org.cohort.coordinator.aggregation;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * The update files of one fold, mapped window by window and each window once: the check pass
 * faults their pages in and the fold finds them mapped (a page fault costs microseconds, more
 * than the arithmetic on the 1024 values of a 4 KiB page). Each window is unmapped as soon as the
 * fold is done with it.
 */
final class UpdateFileWindows implements AutoCloseable {
    private static final int VALUE_BYTES = Float.BYTES;

    final List<MappedWeightedSum.UpdateFile> updates;
    private final long numParameters;
    private final int windowParameters;
    private final int windowCount;
    private final FileChannel[] channels;
    private final MappedByteBuffer[][] mapped;
    private final FloatBuffer[][] views;

    UpdateFileWindows(
            List<MappedWeightedSum.UpdateFile> updates, long numParameters, int windowParameters, int windowCount)
            throws IOException {
        this.updates = updates;
        this.numParameters = numParameters;
        this.windowParameters = windowParameters;
        this.windowCount = windowCount;
        channels = new FileChannel[updates.size()];
        mapped = new MappedByteBuffer[updates.size()][windowCount];
        views = new FloatBuffer[updates.size()][windowCount];
        try {
            for (int f = 0; f < channels.length; f++) {
                channels[f] = FileChannel.open(updates.get(f).file(), StandardOpenOption.READ);
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    FloatBuffer view(int f, int w) throws IOException {
        if (views[f][w] == null) {
            long first = (long) w * windowParameters;
            long length = Math.min(windowParameters, numParameters - first);
            mapped[f][w] =
                    MappedFiles.mapRead(channels[f], updates.get(f).file(), first * VALUE_BYTES, length * VALUE_BYTES);
            views[f][w] = mapped[f][w].asFloatBuffer();
        }
        return views[f][w];
    }

    /** Unmaps window w of every file; no view of it may be used afterwards. */
    void release(int w) {
        for (int f = 0; f < channels.length; f++) {
            views[f][w] = null;
            if (mapped[f][w] != null) {
                MappedFiles.unmap(mapped[f][w]);
                mapped[f][w] = null;
            }
        }
    }

    /**
     * Reads every file once, looking for a NaN or infinity, through {@code scratch}. The files are
     * read side by side, block by block, rather than one after the other: one thread keeps more
     * reads in flight over several streams than over one.
     */
    void checkFinite(float[] scratch) throws IOException {
        int files = updates.size();
        int block = scratch.length;
        for (int w = 0; w < windowCount; w++) {
            long first = (long) w * windowParameters;
            int length = (int) Math.min(windowParameters, numParameters - first);
            int f = 0;
            try {
                for (int at = 0; at < length; at += block) {
                    int n = Math.min(block, length - at);
                    for (f = 0; f < files; f++) {
                        view(f, w).get(at, scratch, 0, n);
                        int bad = FiniteValues.firstNonFinite(scratch, 0, n);
                        if (bad >= 0) {
                            throw FiniteValues.nonFinite(
                                    scratch[bad],
                                    first + at + bad,
                                    "update file " + updates.get(f).file());
                        }
                    }
                }
            } catch (InternalError e) {
                throw new IOException(
                        "update file " + updates.get(Math.min(f, files - 1)).file() + " could not"
                                + " be read (did it change size while being folded?): " + e.getMessage(),
                        e);
            }
        }
    }

    @Override
    public void close() throws IOException {
        for (int w = 0; w < windowCount; w++) {
            release(w);
        }
        IOException failed = null;
        for (FileChannel channel : channels) {
            try {
                if (channel != null) {
                    channel.close();
                }
            } catch (IOException e) {
                failed = e;
            }
        }
        if (failed != null) {
            throw failed;
        }
    }
}
