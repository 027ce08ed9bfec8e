package org.cohort.learning.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * Flat float32 vectors as the little-endian bytes that travel (between coordinator and sites, and between
 * the agent and an external trainer). No DL4J type here: the lean agent and coordinator use it too.
 */
public final class FloatVectors {
    private FloatVectors() {}

    /** Values {@code [from, to)}, as little-endian float32 bytes. */
    public static byte[] toLittleEndian(float[] values, int from, int to) {
        Objects.requireNonNull(values, "values");
        Objects.checkFromToIndex(from, to, values.length);
        ByteBuffer buffer =
                ByteBuffer.allocate(Math.multiplyExact(to - from, Float.BYTES)).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(values, from, to - from);
        return buffer.array();
    }

    /** All values, as little-endian float32 bytes. */
    public static byte[] toLittleEndian(float[] values) {
        return toLittleEndian(values, 0, values.length);
    }

    /** Decodes little-endian float32 bytes; the length must be a multiple of 4. */
    public static float[] fromLittleEndian(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        float[] values = new float[checkedCount(bytes)];
        fromLittleEndian(bytes, values, 0);
        return values;
    }

    /**
     * Decodes little-endian float32 bytes into {@code target} starting at {@code targetOffset},
     * so that a vector received in chunks is assembled without concatenating the chunks first.
     */
    public static void fromLittleEndian(byte[] bytes, float[] target, int targetOffset) {
        Objects.requireNonNull(bytes, "bytes");
        Objects.requireNonNull(target, "target");
        int count = checkedCount(bytes);
        Objects.checkFromIndexSize(targetOffset, count, target.length);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(target, targetOffset, count);
    }

    private static int checkedCount(byte[] bytes) {
        if (bytes.length % Float.BYTES != 0) {
            throw new IllegalArgumentException("float32 data must be a multiple of 4 bytes, got " + bytes.length
                    + " bytes; the chunk was truncated or is not a parameter chunk");
        }
        return bytes.length / Float.BYTES;
    }
}
