package org.cohort.crypto.secagg;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.RecursiveAction;
import javax.crypto.Cipher;

/**
 * Expands 32-byte seeds into masks over Z(2^32)^L and adds them to (or subtracts them from) a
 * vector in place: mask[k] is keystream bytes 4k..4k+3 read little-endian, so every machine
 * computes the same mask whatever its byte order.
 *
 * <p>All of a party's masks are folded in one pass: the vector is cut into
 * {@value #BLOCK_INTS}-value blocks (16 KiB, resident in L1 while every mask's keystream for it is
 * produced and added), so the vector crosses the memory bus once however many masks there are.
 * Large vectors are split into contiguous ranges expanded in parallel on the common ForkJoin
 * pool and this thread; a range starting at value k starts each keystream at AES counter k/4, so the result does
 * not depend on the split. Each worker keys one reused cipher per mask; masks are never
 * materialised.
 */
final class MaskPrg {

    /** Values per block: the block and one keystream buffer (16 KiB each) stay in L1. */
    static final int BLOCK_INTS = 4096;
    /** Below this many values (times masks) splitting across threads costs more than it saves. */
    static final long PARALLEL_MIN_WORK = 1L << 18;

    private static final int BLOCK_BYTES = BLOCK_INTS * Integer.BYTES;
    private static final VarHandle LITTLE_ENDIAN_INT =
            MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final ThreadLocal<byte[]> BUFFER = ThreadLocal.withInitial(() -> new byte[BLOCK_BYTES]);
    private static final ThreadLocal<List<Cipher>> CIPHERS = ThreadLocal.withInitial(ArrayList::new);

    /** One mask to fold in: its seed and whether it is subtracted rather than added. */
    record Mask(byte[] seed, boolean subtract) {}

    private MaskPrg() {}

    /** target += PRG(seed), element-wise modulo 2^32. */
    static void add(byte[] seed, int[] target) {
        apply(seed, target, false);
    }

    /** target -= PRG(seed), element-wise modulo 2^32. */
    static void subtract(byte[] seed, int[] target) {
        apply(seed, target, true);
    }

    static void apply(byte[] seed, int[] target, boolean subtract) {
        applyAll(List.of(new Mask(seed, subtract)), target);
    }

    /** Folds every mask into {@code target} in one pass: target ±= PRG(seed) for each, modulo 2^32. */
    static void applyAll(List<Mask> masks, int[] target) {
        applyAll(masks, target, Runtime.getRuntime().availableProcessors());
    }

    /** As {@link #applyAll(List, int[])} with at most {@code parallelism} ranges (1: on this thread). */
    static void applyAll(List<Mask> masks, int[] target, int parallelism) {
        if (masks.isEmpty() || target.length == 0) {
            return;
        }
        byte[][] keys = new byte[masks.size()][];
        boolean[] subtract = new boolean[masks.size()];
        for (int m = 0; m < keys.length; m++) {
            keys[m] = Keystream.keyFromSeed(masks.get(m).seed());
            subtract[m] = masks.get(m).subtract();
        }
        try {
            int blocks = (target.length + BLOCK_INTS - 1) / BLOCK_INTS;
            long work = (long) target.length * keys.length;
            int ranges = work < PARALLEL_MIN_WORK ? 1 : Math.min(blocks, Math.max(1, parallelism) * 4);
            if (ranges == 1) {
                expand(keys, subtract, target, 0, target.length);
            } else {
                // invoke() works on this thread too, forking the other halves to the common pool.
                new Ranges(keys, subtract, target, 0, ranges, blocks, ranges).invoke();
            }
        } finally {
            for (byte[] key : keys) {
                Arrays.fill(key, (byte) 0);
            }
        }
    }

    /** Ranges [first, last) of {@code ranges} equal runs of blocks, split in halves. */
    private static final class Ranges extends RecursiveAction {
        private final byte[][] keys;
        private final boolean[] subtract;
        private final int[] target;
        private final int first;
        private final int last;
        private final int blocks;
        private final int ranges;

        Ranges(byte[][] keys, boolean[] subtract, int[] target, int first, int last, int blocks, int ranges) {
            this.keys = keys;
            this.subtract = subtract;
            this.target = target;
            this.first = first;
            this.last = last;
            this.blocks = blocks;
            this.ranges = ranges;
        }

        @Override
        protected void compute() {
            if (last - first == 1) {
                int from = (int) Math.min(target.length, (long) blocks * first / ranges * BLOCK_INTS);
                int to = (int) Math.min(target.length, (long) blocks * last / ranges * BLOCK_INTS);
                expand(keys, subtract, target, from, to);
                return;
            }
            int mid = (first + last) >>> 1;
            invokeAll(
                    new Ranges(keys, subtract, target, first, mid, blocks, ranges),
                    new Ranges(keys, subtract, target, mid, last, blocks, ranges));
        }
    }

    /** Folds every mask into target[from..to), block by block; from is a multiple of 4 values (one AES block). */
    private static void expand(byte[][] keys, boolean[] subtract, int[] target, int from, int to) {
        if (from >= to) {
            return;
        }
        List<Cipher> pool = CIPHERS.get();
        while (pool.size() < keys.length) {
            pool.add(Keystream.newCipher());
        }
        Keystream[] streams = new Keystream[keys.length];
        for (int m = 0; m < keys.length; m++) {
            streams[m] = new Keystream(pool.get(m), keys[m], from / 4);
        }
        byte[] block = BUFFER.get();
        for (int offset = from; offset < to; offset += BLOCK_INTS) {
            int count = Math.min(BLOCK_INTS, to - offset);
            for (int m = 0; m < streams.length; m++) {
                streams[m].next(block, count * Integer.BYTES);
                if (subtract[m]) {
                    subtractBlock(block, target, offset, count);
                } else {
                    addBlock(block, target, offset, count);
                }
            }
        }
        Arrays.fill(block, (byte) 0);
    }

    // Separate small methods so that C2 compiles each loop on its own (and vectorises it) rather than
    // inside the outer loop.
    private static void addBlock(byte[] block, int[] target, int offset, int count) {
        for (int k = 0; k < count; k++) {
            target[offset + k] += (int) LITTLE_ENDIAN_INT.get(block, k * Integer.BYTES);
        }
    }

    private static void subtractBlock(byte[] block, int[] target, int offset, int count) {
        for (int k = 0; k < count; k++) {
            target[offset + k] -= (int) LITTLE_ENDIAN_INT.get(block, k * Integer.BYTES);
        }
    }
}
