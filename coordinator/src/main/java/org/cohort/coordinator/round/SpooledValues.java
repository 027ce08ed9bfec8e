package org.cohort.coordinator.round;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.cohort.protocol.ProtocolLimits;

/** Reads a spooled upload (little-endian 4-byte values) chunk by chunk, then deletes the spool file. */
final class SpooledValues {

    /** One chunk of a spooled upload: {@code count} little-endian 4-byte values from {@code offset}. */
    interface Chunk {
        void accept(long offset, ByteBuffer values, int count);
    }

    /** Values per chunk handed to the fold (at most {@link ProtocolLimits#CHUNK_VALUES}). */
    static final int BLOCK_VALUES = Math.min(64 * 1024, ProtocolLimits.CHUNK_VALUES);

    private SpooledValues() {}

    static void read(Path spool, long length, Chunk chunk) {
        try (FileChannel ch = FileChannel.open(spool, StandardOpenOption.READ)) {
            // A direct buffer: a heap one would be read through a temporary direct buffer and
            // copied once more. Blocks of 64 Ki values stay in L2 until the fold has used them.
            ByteBuffer buf = ByteBuffer.allocateDirect(BLOCK_VALUES * 4).order(ByteOrder.LITTLE_ENDIAN);
            long offset = 0;
            while (offset < length) {
                buf.clear();
                int want = (int) Math.min(BLOCK_VALUES, length - offset);
                buf.limit(want * 4);
                while (buf.hasRemaining()) {
                    if (ch.read(buf) < 0) {
                        throw new IOException("spool file " + spool + " ended early");
                    }
                }
                buf.flip();
                chunk.accept(offset, buf, want);
                offset += want;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            delete(spool);
        }
    }

    /**
     * Multiplies every value of a spooled float32 upload by {@code factor} in place (a stale update's
     * staleness weight, applied before it is folded), chunk by chunk; the file stays.
     */
    static void scale(Path spool, long length, double factor) {
        try (FileChannel ch = FileChannel.open(spool, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.allocateDirect(BLOCK_VALUES * 4).order(ByteOrder.LITTLE_ENDIAN);
            long offset = 0;
            while (offset < length) {
                int want = (int) Math.min(BLOCK_VALUES, length - offset);
                buf.clear().limit(want * 4);
                while (buf.hasRemaining()) {
                    if (ch.read(buf, offset * 4 + buf.position()) < 0) {
                        throw new IOException("spool file " + spool + " ended early");
                    }
                }
                for (int i = 0; i < want; i++) {
                    buf.putFloat(i * 4, (float) (buf.getFloat(i * 4) * factor));
                }
                buf.rewind().limit(want * 4);
                while (buf.hasRemaining()) {
                    ch.write(buf, offset * 4 + buf.position());
                }
                offset += want;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes a consumed spool file; a leftover is removed with its round directory. */
    static void delete(Path spool) {
        try {
            Files.deleteIfExists(spool);
        } catch (IOException ignored) {
            // removed with the round's spool directory
        }
    }
}
