package org.cohort.crypto.secagg;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Expands a 32-byte seed into a mask over Z(2^32)^L and adds it to (or subtracts it from) a vector
 * in place: mask[k] is keystream bytes 4k..4k+3 read little-endian, so every machine computes the
 * same mask whatever its byte order. The keystream is produced in {@link Keystream#BLOCK_BYTES}
 * blocks and folded in while still in cache; the mask itself is never materialised.
 */
final class MaskPrg {

    private static final VarHandle LITTLE_ENDIAN_INT =
            MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final ThreadLocal<byte[]> BUFFER = ThreadLocal.withInitial(() -> new byte[Keystream.BLOCK_BYTES]);

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
        Keystream keystream = Keystream.fromSeed(seed);
        byte[] block = BUFFER.get();
        int perBlock = Keystream.BLOCK_BYTES / Integer.BYTES;
        for (int offset = 0; offset < target.length; offset += perBlock) {
            int count = Math.min(perBlock, target.length - offset);
            keystream.next(block, count * Integer.BYTES);
            if (subtract) {
                subtractBlock(block, target, offset, count);
            } else {
                addBlock(block, target, offset, count);
            }
        }
    }

    // Separate small methods so that C2 compiles each loop on its own (and unrolls it) rather than
    // inside an on-stack-replaced outer loop.
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
