package org.cohort.privacy.noise;

import java.nio.charset.StandardCharsets;
import java.security.DrbgParameters;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

/**
 * Random bits for released noise: a NIST SP 800-90A DRBG (the JDK's "DRBG" SecureRandom,
 * Hash_DRBG/SHA-256 at 256-bit strength) seeded from the operating system. Noise drawn from a
 * predictable generator is no noise at all, so there is deliberately no seeded or fallback
 * mode: if the DRBG is unavailable, construction fails.
 *
 * <p>Thread-safe. Bits are fetched from the DRBG in blocks to keep per-sample cost low.
 */
public final class SecureNoiseSource implements RandomSource {

    private static final int SECURITY_STRENGTH_BITS = 256;
    private static final byte[] PERSONALIZATION = "cohort-privacy-noise-v1".getBytes(StandardCharsets.US_ASCII);
    /** 4 KiB per DRBG call: amortises the call without holding much unused randomness. */
    private static final int BLOCK_BYTES = 4096;

    private final SecureRandom drbg;
    private final byte[] block = new byte[BLOCK_BYTES];
    private int position = BLOCK_BYTES;
    /** Unused bits of the last word handed out by {@link #nextBits}, low bits first. */
    private long reservoir;

    private int reservoirBits;

    /** For tests that need to see exactly which bits are handed out. */
    SecureNoiseSource(SecureRandom drbg) {
        this.drbg = drbg;
    }

    /** A new DRBG instance, freshly seeded from the system's entropy source. */
    public static SecureNoiseSource create() {
        try {
            SecureRandom drbg = SecureRandom.getInstance(
                    "DRBG",
                    DrbgParameters.instantiation(
                            SECURITY_STRENGTH_BITS, DrbgParameters.Capability.RESEED_ONLY, PERSONALIZATION));
            return new SecureNoiseSource(drbg);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(
                    "no SP 800-90A DRBG with " + SECURITY_STRENGTH_BITS + "-bit strength in this JVM; "
                            + "Cohort refuses to release noise from a weaker generator",
                    e);
        }
    }

    /** The DRBG's algorithm description, for logs and audit entries. */
    public String describe() {
        // The JDK prints the personalization string as a byte array; say what it is instead.
        String parameters = drbg.getParameters() instanceof DrbgParameters.Instantiation i
                ? i.getStrength() + "-bit strength, "
                        + i.getCapability().toString().toLowerCase(java.util.Locale.ROOT) + ", personalization \""
                        + new String(PERSONALIZATION, java.nio.charset.StandardCharsets.US_ASCII) + "\""
                : String.valueOf(drbg.getParameters());
        String mechanism = java.security.Security.getProperty("securerandom.drbg.config");
        return drbg.getAlgorithm() + " ("
                + (mechanism == null || mechanism.isBlank() ? "JDK default mechanism" : mechanism) + "; " + parameters
                + ")";
    }

    /**
     * Bits come from a reservoir so that small draws (a fair coin, a uniform digit) do not burn
     * a whole 64-bit word of DRBG output; the samplers make many such draws.
     */
    @Override
    public synchronized long nextBits(int bits) {
        if (bits < 0 || bits > 63) {
            throw new IllegalArgumentException("bits must be in [0, 63], got " + bits);
        }
        if (bits == 0) {
            return 0;
        }
        if (reservoirBits < bits) {
            long fresh = nextLongBits();
            // Keep the old bits and take the rest from the fresh word; the leftover becomes the reservoir.
            int need = bits - reservoirBits;
            long value = reservoir | ((fresh & ((1L << need) - 1)) << reservoirBits);
            reservoir = fresh >>> need;
            reservoirBits = 64 - need;
            return value;
        }
        long value = reservoir & ((1L << bits) - 1);
        reservoir >>>= bits;
        reservoirBits -= bits;
        return value;
    }

    @Override
    public synchronized long nextLongBits() {
        if (position + Long.BYTES > BLOCK_BYTES) {
            drbg.nextBytes(block);
            position = 0;
        }
        long v = 0;
        for (int i = 0; i < Long.BYTES; i++) {
            v = (v << 8) | (block[position + i] & 0xFF);
        }
        // Used bits are wiped so that a later memory disclosure does not reveal past noise.
        java.util.Arrays.fill(block, position, position + Long.BYTES, (byte) 0);
        position += Long.BYTES;
        return v;
    }
}
