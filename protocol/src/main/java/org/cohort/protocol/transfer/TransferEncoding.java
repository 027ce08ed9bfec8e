package org.cohort.protocol.transfer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;
import org.cohort.protocol.ProtocolLimits;
import org.cohort.protocol.v1.TensorEncoding;

/**
 * How a plain update or a model download travels: float32 (exact), float16 (IEEE binary16) or
 * int8 with one float32 scale per block of values. One study chooses one for all its plain
 * transfers; pure Java, no I/O, so the agent and the coordinator share the exact byte layout.
 *
 * <p>Chunks of a stream start at value offsets that are multiples of
 * {@link ProtocolLimits#CHUNK_VALUES}; an int8 block size divides that, so every chunk holds whole
 * blocks, except that the stream's last block may be shorter. A receiver therefore decodes chunk by
 * chunk and never needs the whole vector.
 */
public sealed interface TransferEncoding
        permits TransferEncoding.Float32, TransferEncoding.Float16, TransferEncoding.Int8Blocks {

    /** The wire enum written into signed manifests. */
    TensorEncoding wire();

    /** Values per int8 block (0 for the float encodings): written into manifests next to {@link #wire()}. */
    default int blockSize() {
        return 0;
    }

    /** The word of the study option ("float32", "float16", "int8"). */
    String word();

    /** Exact encoded size of {@code values} values, scales included. */
    long encodedBytes(long values);

    /**
     * Encodes {@code count} values from {@code from} (little-endian); {@code from} must start a block.
     *
     * @throws IllegalArgumentException when a value is not finite or outside the encoding's range
     */
    ByteBuffer encode(float[] values, int from, int count);

    /**
     * How many values a chunk of {@code bytes} bytes at value {@code offset} of a {@code total}-value
     * vector holds.
     *
     * @throws IllegalArgumentException when no well-formed chunk has that length there
     */
    int valuesIn(long offset, int bytes, long total);

    /**
     * Decodes a whole chunk (as sized by {@link #valuesIn}) into {@code out[at..]}.
     *
     * @throws IllegalArgumentException when an int8 chunk holds what no encoder writes (a negative or
     *     non-finite scale, the code −128); non-finite floats are decoded as such, for the receiver to refuse
     */
    void decode(ByteBuffer chunk, int count, float[] out, int at);

    /** The encoding a manifest names. */
    static TransferEncoding of(TensorEncoding wire, int blockSize) {
        return switch (wire) {
            case FLOAT32_LE -> Float32.INSTANCE;
            case FLOAT16_LE -> Float16.INSTANCE;
            case INT8_BLOCK_LE -> new Int8Blocks(blockSize);
            default ->
                throw new IllegalArgumentException(
                        "tensor encoding " + wire + " is not a plain transfer encoding (float32, float16, int8)");
        };
    }

    /**
     * The encoding a study option names.
     *
     * @param word "float32", "float16" or "int8"
     * @param blockSize values per int8 block (ignored for the float encodings)
     */
    static TransferEncoding parse(String word, int blockSize) {
        return switch (word == null ? "" : word.toLowerCase(Locale.ROOT)) {
            case "float32" -> Float32.INSTANCE;
            case "float16" -> Float16.INSTANCE;
            case "int8" -> new Int8Blocks(blockSize);
            default ->
                throw new IllegalArgumentException(
                        "transfer.encoding must be 'float32', 'float16' or 'int8', not '" + word + "'");
        };
    }

    /** The whole vector as its receiver will decode it (what the coordinator adds, or the site starts from). */
    static float[] roundTrip(TransferEncoding encoding, float[] values) {
        float[] out = new float[values.length];
        for (int off = 0; off < values.length; off += ProtocolLimits.CHUNK_VALUES) {
            int n = Math.min(ProtocolLimits.CHUNK_VALUES, values.length - off);
            encoding.decode(encoding.encode(values, off, n), n, out, off);
        }
        return out;
    }

    private static ByteBuffer littleEndian(long bytes) {
        return ByteBuffer.allocate(Math.toIntExact(bytes)).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static void requireFinite(float v, int index) {
        if (!Float.isFinite(v)) {
            throw new IllegalArgumentException(
                    "value at index " + index + " is " + v + "; only finite values can be sent");
        }
    }

    private static int fixedWidth(long offset, int bytes, long total, int width) {
        if (bytes % width != 0) {
            throw new IllegalArgumentException("chunk length " + bytes + " is not a multiple of " + width + " bytes");
        }
        int values = bytes / width;
        if (offset + values > total) {
            throw new IllegalArgumentException("chunk at value " + offset + " holds " + values + " values, past the "
                    + total + " the manifest declares");
        }
        return values;
    }

    /** IEEE binary32: exact, 4 bytes per value (today's format). */
    record Float32() implements TransferEncoding {
        public static final Float32 INSTANCE = new Float32();

        @Override
        public TensorEncoding wire() {
            return TensorEncoding.FLOAT32_LE;
        }

        @Override
        public String word() {
            return "float32";
        }

        @Override
        public long encodedBytes(long values) {
            return values * ProtocolLimits.FLOAT32_BYTES;
        }

        @Override
        public ByteBuffer encode(float[] values, int from, int count) {
            ByteBuffer buf = littleEndian(encodedBytes(count));
            for (int i = 0; i < count; i++) {
                buf.putFloat(values[from + i]);
            }
            return buf.flip();
        }

        @Override
        public int valuesIn(long offset, int bytes, long total) {
            return fixedWidth(offset, bytes, total, ProtocolLimits.FLOAT32_BYTES);
        }

        @Override
        public void decode(ByteBuffer chunk, int count, float[] out, int at) {
            ByteBuffer in = chunk.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < count; i++) {
                out[at + i] = in.getFloat(); // finiteness is the receiver's check, with its own reason
            }
        }
    }

    /**
     * IEEE binary16, round to nearest even ({@link Float#floatToFloat16}): 2 bytes per value, relative
     * error at most 2⁻¹¹ for normal values (|x| ≥ 2⁻¹⁴), absolute error at most 2⁻²⁵ below that.
     * Values beyond ±65504 are refused rather than sent as infinity.
     */
    record Float16() implements TransferEncoding {
        public static final Float16 INSTANCE = new Float16();

        /** Largest finite binary16. */
        public static final float MAX = 65504f;

        @Override
        public TensorEncoding wire() {
            return TensorEncoding.FLOAT16_LE;
        }

        @Override
        public String word() {
            return "float16";
        }

        @Override
        public long encodedBytes(long values) {
            return values * 2;
        }

        @Override
        public ByteBuffer encode(float[] values, int from, int count) {
            ByteBuffer buf = littleEndian(encodedBytes(count));
            for (int i = 0; i < count; i++) {
                float v = values[from + i];
                requireFinite(v, from + i);
                short h = Float.floatToFloat16(v);
                if (Float.isInfinite(Float.float16ToFloat(h))) {
                    throw new IllegalArgumentException("value " + v + " at index " + (from + i)
                            + " is beyond the float16 range ±65504; use transfer encoding int8 or float32");
                }
                buf.putShort(h);
            }
            return buf.flip();
        }

        @Override
        public int valuesIn(long offset, int bytes, long total) {
            return fixedWidth(offset, bytes, total, 2);
        }

        @Override
        public void decode(ByteBuffer chunk, int count, float[] out, int at) {
            ByteBuffer in = chunk.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < count; i++) {
                out[at + i] = Float.float16ToFloat(in.getShort());
            }
        }
    }

    /**
     * Block-wise symmetric int8: each block of {@code blockSize} values is a float32 scale
     * s = max|x|/127 followed by one signed byte q = round(x/s) ∈ [−127, 127] per value; the value
     * decodes as q·s, so |x − q·s| ≤ s/2. Size: n + 4·⌈n/blockSize⌉ bytes for n values, i.e.
     * 1/4 + 1/blockSize of float32 (25.39% at the default 256).
     *
     * @param blockSize values per scale: a power of two from {@value #MIN_BLOCK} to {@value #MAX_BLOCK}, so
     *     it divides {@link ProtocolLimits#CHUNK_VALUES} and every chunk holds whole blocks
     */
    record Int8Blocks(int blockSize) implements TransferEncoding {
        public static final int DEFAULT_BLOCK = 256;
        public static final int MIN_BLOCK = 16;
        public static final int MAX_BLOCK = 65536;
        private static final int SCALE_BYTES = 4;
        private static final int LEVELS = 127;

        public Int8Blocks {
            if (blockSize < MIN_BLOCK || blockSize > MAX_BLOCK || Integer.bitCount(blockSize) != 1) {
                throw new IllegalArgumentException("transfer.blockSize must be a power of two from " + MIN_BLOCK
                        + " to " + MAX_BLOCK + " (values per int8 scale; " + DEFAULT_BLOCK + " is typical), not "
                        + blockSize);
            }
        }

        @Override
        public TensorEncoding wire() {
            return TensorEncoding.INT8_BLOCK_LE;
        }

        @Override
        public String word() {
            return "int8";
        }

        @Override
        public long encodedBytes(long values) {
            return values + SCALE_BYTES * ((values + blockSize - 1) / blockSize);
        }

        @Override
        public ByteBuffer encode(float[] values, int from, int count) {
            if (from % blockSize != 0) {
                throw new IllegalArgumentException(
                        "an int8 chunk must start at a block boundary; " + from + " is not a multiple of " + blockSize);
            }
            ByteBuffer buf = littleEndian(encodedBytes(count));
            for (int start = from; start < from + count; start += blockSize) {
                int n = Math.min(blockSize, from + count - start);
                float max = 0;
                for (int i = start; i < start + n; i++) {
                    requireFinite(values[i], i);
                    max = Math.max(max, Math.abs(values[i]));
                }
                float scale = max / LEVELS;
                buf.putFloat(scale);
                for (int i = start; i < start + n; i++) {
                    // max/scale may round to just above 127 in float arithmetic: clamped.
                    long q = scale == 0 ? 0 : Math.round(values[i] / (double) scale);
                    buf.put((byte) Math.max(-LEVELS, Math.min(LEVELS, q)));
                }
            }
            return buf.flip();
        }

        @Override
        public int valuesIn(long offset, int bytes, long total) {
            if (offset % blockSize != 0) {
                throw new IllegalArgumentException(
                        "int8 chunk at value " + offset + " does not start a block of " + blockSize);
            }
            int whole = bytes / (blockSize + SCALE_BYTES);
            int rest = bytes % (blockSize + SCALE_BYTES);
            if (rest != 0 && rest <= SCALE_BYTES) {
                throw new IllegalArgumentException("int8 chunk length " + bytes + " ends inside a block's scale");
            }
            long values = (long) whole * blockSize + (rest == 0 ? 0 : rest - SCALE_BYTES);
            if (offset + values > total) {
                throw new IllegalArgumentException("chunk at value " + offset + " holds " + values
                        + " values, past the " + total + " the manifest declares");
            }
            if (rest != 0 && offset + values != total) {
                throw new IllegalArgumentException(
                        "int8 chunk at value " + offset + " ends in a partial block before the vector's end");
            }
            return (int) values;
        }

        @Override
        public void decode(ByteBuffer chunk, int count, float[] out, int at) {
            ByteBuffer in = chunk.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            for (int done = 0; done < count; done += blockSize) {
                int n = Math.min(blockSize, count - done);
                float scale = in.getFloat();
                if (!Float.isFinite(scale) || scale < 0) {
                    throw new IllegalArgumentException("int8 block at value " + (at + done) + " has scale " + scale
                            + "; scales are finite and ≥ 0");
                }
                for (int i = 0; i < n; i++) {
                    byte q = in.get();
                    if (q == Byte.MIN_VALUE) {
                        throw new IllegalArgumentException(
                                "int8 value at index " + (at + done + i) + " is −128; codes lie in [−127, 127]");
                    }
                    out[at + done + i] = q * scale;
                }
            }
        }
    }
}
