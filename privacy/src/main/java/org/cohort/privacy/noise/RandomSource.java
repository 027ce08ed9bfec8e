package org.cohort.privacy.noise;

import java.math.BigInteger;

/**
 * Uniform random bits for the samplers. Everything a sampler draws is derived from
 * {@link #nextLongBits()} by exact integer arithmetic, so the samplers' output distributions
 * are exactly the stated ones given uniform bits. Released noise must come from
 * {@link SecureNoiseSource}; other implementations exist for reproducible tests and
 * simulations.
 */
public interface RandomSource {

    /** 64 uniformly random bits. */
    long nextLongBits();

    /**
     * Fills {@code out[from..to)} with independent 64-bit words, the same bits {@link #nextLongBits}
     * would give. Batch samplers draw their bits this way; a keystream source overrides it to
     * write whole blocks at once.
     */
    default void nextLongs(long[] out, int from, int to) {
        for (int i = from; i < to; i++) {
            out[i] = nextLongBits();
        }
    }

    /**
     * {@code bits} uniformly random bits (0 ≤ bits ≤ 63) as a non-negative long. Sources that
     * pay per bit (a DRBG) override this to hand out bits from a reservoir.
     */
    default long nextBits(int bits) {
        if (bits < 0 || bits > 63) {
            throw new IllegalArgumentException("bits must be in [0, 63], got " + bits);
        }
        return bits == 0 ? 0 : nextLongBits() >>> (64 - bits);
    }

    /**
     * Uniform on {0, …, bound-1}: draw just enough bits for bound-1 and reject values ≥ bound
     * (fewer than two draws on average, no modulo bias).
     */
    default long nextLong(long bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive, got " + bound);
        }
        int bits = Long.SIZE - Long.numberOfLeadingZeros(bound - 1);
        while (true) {
            long r = nextBits(bits);
            if (r < bound) {
                return r;
            }
        }
    }

    /** Uniform on {0, …, bound-1} for any positive bound. */
    default BigInteger nextBigInteger(BigInteger bound) {
        if (bound.signum() <= 0) {
            throw new IllegalArgumentException("bound must be positive, got " + bound);
        }
        if (bound.bitLength() < 63) {
            return BigInteger.valueOf(nextLong(bound.longValueExact()));
        }
        int bits = bound.bitLength();
        while (true) {
            BigInteger r = randomBits(bits);
            if (r.compareTo(bound) < 0) {
                return r;
            }
        }
    }

    /** One fair bit. */
    default boolean nextBoolean() {
        return nextBits(1) == 1;
    }

    private BigInteger randomBits(int bits) {
        byte[] bytes = new byte[(bits + 7) / 8];
        for (int i = 0; i < bytes.length; i += 8) {
            long word = nextLongBits();
            for (int j = 0; j < 8 && i + j < bytes.length; j++) {
                bytes[i + j] = (byte) (word >>> (8 * j));
            }
        }
        int excess = bytes.length * 8 - bits;
        bytes[0] &= (byte) (0xFF >>> excess);
        return new BigInteger(1, bytes);
    }
}
