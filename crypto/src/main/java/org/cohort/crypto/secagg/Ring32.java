package org.cohort.crypto.secagg;

/**
 * Arithmetic in Z(2^32)^L on {@code int[]}: Java's two's-complement int addition wraps modulo
 * 2^32, which is exactly the ring's addition, so masks added and later subtracted cancel exactly
 * whatever overflow happened in between.
 */
final class Ring32 {

    private Ring32() {}

    /** target[offset + k] += values[k]. */
    static void addInto(int[] target, int offset, int[] values) {
        for (int k = 0; k < values.length; k++) {
            target[offset + k] += values[k];
        }
    }

    /** target[offset + k] -= values[k]. */
    static void subtractFrom(int[] target, int offset, int[] values) {
        for (int k = 0; k < values.length; k++) {
            target[offset + k] -= values[k];
        }
    }
}
