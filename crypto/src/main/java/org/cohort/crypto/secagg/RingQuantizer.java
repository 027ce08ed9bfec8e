package org.cohort.crypto.secagg;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import org.cohort.crypto.internal.Algorithms;

/**
 * Maps a site's update into Z(2^32) (or the narrow Z(2^16)) for secure aggregation, and the
 * aggregate back to reals.
 *
 * <p>Each coordinate is clipped to [-c, c], multiplied by {@code scale} = L / c and rounded
 * stochastically to one of the two nearest integers (up with probability equal to the fractional
 * part), so the quantized value is an unbiased estimate of the scaled coordinate, with variance at
 * most 1/4. The level bound L = ⌊(2^31 - 1) / maxClients⌋ is chosen so that the sum over up to
 * {@code maxClients} sites stays within [-(2^31 - 1), 2^31 - 1]: the Z(2^32) sum the server
 * releases, read as a signed int, is then the exact integer sum — it cannot wrap. Each site gets
 * log2(2L + 1) ≈ 32 - log2(maxClients) bits per coordinate (25.4 bits for 100 sites), so the
 * rounding step c / L is far below the noise of any DP update; the unused headroom is the factor
 * maxClients the sum needs. Site-level DP studies do not use this encoding: their sites add
 * distributed discrete Gaussian noise in the ring with its own granularity and wrap-around bound
 * ({@code org.cohort.privacy.sitelevel.DistributedDiscreteGaussian}).
 *
 * <p>Randomness for the rounding: an AES-CTR keystream keyed from the given {@link SecureRandom}
 * (a CSPRNG expansion: one SecureRandom call per vector rather than one per coordinate, which
 * would dominate a million-parameter update). Immutable and thread-safe.
 */
public final class RingQuantizer {

    public static final int RING_BITS = 32;

    /**
     * The narrow ring a study may choose ({@code secureAggregation.ringBits}): 2 bytes per masked
     * value on the wire instead of 4. Masks and sums stay 32-bit: reduction mod 2^16 is a ring
     * homomorphism from Z(2^32), so a site may send the low 16 bits of its Z(2^32) masked input,
     * the low 16 bits of the masks still pad it uniformly, and the low 16 bits of the unmasked
     * Z(2^32) sum are the Z(2^16) sum, exact as long as |Σ q| ≤ 2^15 − 1 (see {@link #maxLevel(int, int)}).
     */
    public static final int NARROW_RING_BITS = 16;

    private static final VarHandle LITTLE_ENDIAN_LONG =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final double TWO_TO_MINUS_53 = 0x1.0p-53;

    private final int maxClients;
    private final int ringBits;
    private final double clipBound;
    private final int maxLevel;
    private final double scale;

    /**
     * @param maxClients the most sites whose inputs will be summed (the round's n)
     * @param clipBound c &gt; 0: coordinates outside [-c, c] are clipped to it
     */
    public RingQuantizer(int maxClients, double clipBound) {
        this(maxClients, clipBound, RING_BITS);
    }

    /**
     * @param maxClients the most sites whose inputs will be summed (the round's n)
     * @param clipBound c &gt; 0: coordinates outside [-c, c] are clipped to it
     * @param ringBits {@value #RING_BITS} or {@value #NARROW_RING_BITS}: the sum is exact in Z(2^ringBits)
     * @throws IllegalArgumentException when the ring cannot hold the sum of maxClients sites
     *     ({@link #maxLevel(int, int)} &lt; 1)
     */
    public RingQuantizer(int maxClients, double clipBound, int ringBits) {
        if (ringBits != RING_BITS && ringBits != NARROW_RING_BITS) {
            throw new IllegalArgumentException(
                    "ring bits must be " + RING_BITS + " or " + NARROW_RING_BITS + ", got " + ringBits);
        }
        if (maxClients < 1) {
            throw new IllegalArgumentException("maxClients must be at least 1, got " + maxClients);
        }
        if (!(clipBound > 0) || Double.isInfinite(clipBound)) {
            throw new IllegalArgumentException("Clip bound must be a positive finite number, got " + clipBound
                    + "; use the study's clipping norm or a bound on any coordinate of an update");
        }
        long level = maxLevel(maxClients, ringBits);
        if (level < 1) {
            throw new IllegalArgumentException("a " + ringBits + "-bit ring cannot hold the sum of " + maxClients
                    + " sites without wrapping (at most " + ((1L << (ringBits - 1)) - 1) + "); use "
                    + RING_BITS + " bits");
        }
        this.maxClients = maxClients;
        this.ringBits = ringBits;
        this.clipBound = clipBound;
        this.maxLevel = (int) level;
        this.scale = maxLevel / clipBound;
    }

    /**
     * L = ⌊(2^(b−1) − 1) / n⌋: every quantized coordinate lies in [−L, L], so the sum over n sites has
     * |Σ q| ≤ n·L ≤ 2^(b−1) − 1 and, read as a signed b-bit number, cannot wrap. In words of the
     * study: with clip c and scale L/c, n·c·scale ≤ 2^(b−1) − 1 &lt; 2^(b−1).
     */
    public static long maxLevel(int maxClients, int ringBits) {
        return ((1L << (ringBits - 1)) - 1) / maxClients;
    }

    /** The ring's width in bits: {@value #RING_BITS} or {@value #NARROW_RING_BITS}. */
    public int ringBits() {
        return ringBits;
    }

    public int maxClients() {
        return maxClients;
    }

    public double clipBound() {
        return clipBound;
    }

    /** L: every quantized coordinate lies in [-L, L], and maxClients · L ≤ 2^(ringBits−1) − 1. */
    public int maxLevel() {
        return maxLevel;
    }

    /** Quantization levels per unit: a quantized value q stands for q / scale. */
    public double scale() {
        return scale;
    }

    /** Bits of precision per site and coordinate: log2(2L + 1). */
    public double bitsPerCoordinate() {
        return Math.log(2.0 * maxLevel + 1) / Math.log(2);
    }

    /** Quantizes with the process-wide CSPRNG. */
    public int[] quantize(double[] update) {
        return quantize(update, Algorithms.random());
    }

    /**
     * Clips, scales and stochastically rounds {@code update} into [-L, L]^d.
     *
     * @throws IllegalArgumentException if a coordinate is NaN (a diverged update must not be
     *     silently clipped into the aggregate)
     */
    public int[] quantize(double[] update, SecureRandom random) {
        Objects.requireNonNull(update, "update");
        Objects.requireNonNull(random, "random");
        byte[] key = new byte[Keystream.KEY_BYTES];
        random.nextBytes(key);
        Keystream keystream = new Keystream(key);
        byte[] block = new byte[Keystream.BLOCK_BYTES];
        int perBlock = Keystream.BLOCK_BYTES / Long.BYTES;
        int[] quantized = new int[update.length];
        for (int offset = 0; offset < update.length; offset += perBlock) {
            int count = Math.min(perBlock, update.length - offset);
            keystream.next(block, count * Long.BYTES);
            for (int k = 0; k < count; k++) {
                int i = offset + k;
                double x = update[i];
                if (Double.isNaN(x)) {
                    throw new IllegalArgumentException(
                            "Update coordinate " + i + " is NaN; the local training diverged."
                                    + " Fix the update (or skip this round) rather than aggregating it");
                }
                // Clamp after scaling too: c · (L / c) may round to a hair above L.
                double scaled =
                        Math.max(-maxLevel, Math.min(maxLevel, Math.max(-clipBound, Math.min(clipBound, x)) * scale));
                double floor = Math.floor(scaled);
                double uniform = ((long) LITTLE_ENDIAN_LONG.get(block, k * Long.BYTES) >>> 11) * TWO_TO_MINUS_53;
                quantized[i] = (int) floor + (uniform < scaled - floor ? 1 : 0);
            }
        }
        Arrays.fill(key, (byte) 0);
        return quantized;
    }

    /**
     * Reads a sum of at most maxClients quantized vectors back as reals (Σ q / scale). The sum may
     * come from Z(2^32) arithmetic: only its low ringBits bits count, read as a signed number.
     */
    public double[] decode(int[] sum) {
        Objects.requireNonNull(sum, "sum");
        int shift = Integer.SIZE - ringBits;
        double[] decoded = new double[sum.length];
        for (int i = 0; i < sum.length; i++) {
            decoded[i] = ((sum[i] << shift) >> shift) / scale; // signed: the sum never wraps within maxClients sites
        }
        return decoded;
    }
}
