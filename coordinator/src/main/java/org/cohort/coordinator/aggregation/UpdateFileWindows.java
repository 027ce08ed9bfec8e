package org.cohort.coordinator.aggregation;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * The update files of one fold (little-endian float32), read block by block with positional
 * {@code read()} into one reused direct buffer per file and copied straight into the fold's
 * scratch block: no mapping (whose first touch of each page is a fault), no heap buffer in
 * between. A spool the coordinator just received is in the page cache, so this is a memory copy.
 */
final class UpdateFileWindows implements AutoCloseable {
    private static final int VALUE_BYTES = Float.BYTES;

    final List<MappedWeightedSum.UpdateFile> updates;
    private final long numParameters;
    private final FileChannel[] channels;
    private final ByteBuffer[] buffers;
    private final FloatBuffer[] floats;

    UpdateFileWindows(List<MappedWeightedSum.UpdateFile> updates, long numParameters, int block) throws IOException {
        this.updates = updates;
        this.numParameters = numParameters;
        channels = new FileChannel[updates.size()];
        buffers = new ByteBuffer[updates.size()];
        floats = new FloatBuffer[updates.size()];
        try {
            for (int f = 0; f < channels.length; f++) {
                channels[f] = FileChannel.open(updates.get(f).file(), StandardOpenOption.READ);
                buffers[f] = ByteBuffer.allocateDirect(block * VALUE_BYTES).order(ByteOrder.LITTLE_ENDIAN);
                floats[f] = buffers[f].asFloatBuffer();
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Values [first, first + n) of file {@code f} into {@code into[0..n)}; n is at most the block size. */
    void read(int f, long first, float[] into, int n) throws IOException {
        ByteBuffer buffer = buffers[f].clear().limit(n * VALUE_BYTES);
        long position = first * VALUE_BYTES;
        while (buffer.hasRemaining()) {
            int read = channels[f].read(buffer, position);
            if (read < 0) {
                throw new IOException(
                        "update file " + updates.get(f).file() + " ended at parameter " + position / VALUE_BYTES
                                + " of " + numParameters + " (did it change size while being folded?)");
            }
            position += read;
        }
        floats[f].get(0, into, 0, n);
    }

    /**
     * Reads every file once, looking for a NaN or infinity, through {@code scratch}. The files are
     * read side by side, block by block, rather than one after the other.
     */
    void checkFinite(float[] scratch) throws IOException {
        int block = scratch.length;
        for (long at = 0; at < numParameters; at += block) {
            int n = (int) Math.min(block, numParameters - at);
            for (int f = 0; f < channels.length; f++) {
                read(f, at, scratch, n);
                int bad = FiniteValues.firstNonFinite(scratch, 0, n);
                if (bad >= 0) {
                    throw FiniteValues.nonFinite(
                            scratch[bad],
                            at + bad,
                            "update file " + updates.get(f).file());
                }
            }
        }
    }

    @Override
    public void close() throws IOException {
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
