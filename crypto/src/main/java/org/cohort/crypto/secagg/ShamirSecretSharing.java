package org.cohort.crypto.secagg;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * t-out-of-m Shamir secret sharing of 32-byte secrets (mask seeds and X25519 private keys).
 *
 * <p>The field is GF(p) with p = 2^256 + 297, the smallest prime above 2^256. Every 32-byte
 * string is then a field element as it is — no splitting into limbs, no reduction that would map
 * two secrets to one — and a share value fits in 33 bytes. A prime below 2^256 (such as
 * 2^255 - 19) would not hold every seed; splitting into smaller fields would multiply the shares.
 * Coefficients are uniform in GF(p) (rejection sampling), which makes any t - 1 shares
 * independent of the secret (perfect secrecy). Arithmetic is {@link BigInteger}: a share or a
 * reconstruction is a few dozen 257-bit multiplications, microseconds next to the masks.
 */
final class ShamirSecretSharing {

    static final BigInteger PRIME = BigInteger.ONE.shiftLeft(256).add(BigInteger.valueOf(297));
    static final int SECRET_BYTES = 32;
    static final int SHARE_BYTES = 33;
    /** Share indices are client index + 1, so this bounds the number of clients a round can have. */
    static final int MAX_HOLDERS = 1 << 20;

    private static final BigInteger SECRET_LIMIT = BigInteger.ONE.shiftLeft(8 * SECRET_BYTES);

    private ShamirSecretSharing() {}

    /** Shares {@code secret} among the holders at {@code xs} so that any {@code threshold} of them rebuild it. */
    static List<ShamirShare> split(byte[] secret, int threshold, int[] xs, SecureRandom random) {
        if (secret.length != SECRET_BYTES) {
            throw new IllegalArgumentException(
                    "Shamir secrets here are " + SECRET_BYTES + " bytes, got " + secret.length);
        }
        if (threshold < 1 || threshold > xs.length) {
            throw new IllegalArgumentException(
                    "Threshold " + threshold + " must be between 1 and the number of holders (" + xs.length
                            + "); otherwise the secret could never be rebuilt");
        }
        requireDistinctIndices(xs);
        BigInteger[] coefficients = new BigInteger[threshold];
        coefficients[0] = new BigInteger(1, secret);
        for (int i = 1; i < threshold; i++) {
            coefficients[i] = uniformFieldElement(random);
        }
        List<ShamirShare> shares = new ArrayList<>(xs.length);
        for (int x : xs) {
            shares.add(new ShamirShare(x, evaluate(coefficients, BigInteger.valueOf(x))));
        }
        return shares;
    }

    /**
     * Rebuilds the secret from at least {@code threshold} shares. When more are given, a second,
     * different subset of {@code threshold} shares is interpolated too and must agree, so a single
     * corrupted share is detected instead of silently yielding a wrong secret.
     *
     * @throws IllegalArgumentException if there are too few shares, two share one index, or the
     *     shares are not consistent with one 32-byte secret
     */
    static byte[] reconstruct(List<ShamirShare> shares, int threshold) {
        if (threshold < 1) {
            throw new IllegalArgumentException("Threshold must be at least 1, got " + threshold);
        }
        if (shares.size() < threshold) {
            throw new IllegalArgumentException("Need " + threshold + " shares to rebuild the secret, have only "
                    + shares.size() + "; fewer than the threshold reveal nothing about it");
        }
        requireDistinctIndices(shares.stream().mapToInt(ShamirShare::x).toArray());
        BigInteger secret = interpolateAtZero(shares.subList(0, threshold));
        if (shares.size() > threshold) {
            BigInteger check = interpolateAtZero(shares.subList(shares.size() - threshold, shares.size()));
            if (!check.equals(secret)) {
                throw new IllegalArgumentException(
                        "The " + shares.size() + " shares do not lie on one polynomial of degree " + (threshold - 1)
                                + ": at least one share was corrupted or comes from another secret");
            }
        }
        if (secret.compareTo(SECRET_LIMIT) >= 0) {
            throw new IllegalArgumentException(
                    "The shares rebuild a value above 2^256, which no 32-byte secret shares to:"
                            + " they were corrupted or come from different secrets");
        }
        return toFixedBytes(secret, SECRET_BYTES);
    }

    static BigInteger interpolateAtZero(List<ShamirShare> shares) {
        return interpolateAt(shares, BigInteger.ZERO);
    }

    /**
     * Lagrange interpolation of the polynomial through {@code shares}, evaluated at {@code at}. The
     * t denominators are inverted together (Montgomery's batch inversion: one modular inverse and
     * 3(t - 1) multiplications instead of t inverses), since inverses dominate the cost.
     */
    static BigInteger interpolateAt(List<ShamirShare> shares, BigInteger at) {
        int t = shares.size();
        BigInteger[] numerators = new BigInteger[t];
        BigInteger[] denominators = new BigInteger[t];
        for (int j = 0; j < t; j++) {
            BigInteger xj = BigInteger.valueOf(shares.get(j).x());
            BigInteger numerator = BigInteger.ONE;
            BigInteger denominator = BigInteger.ONE;
            for (int m = 0; m < t; m++) {
                if (m != j) {
                    BigInteger xm = BigInteger.valueOf(shares.get(m).x());
                    numerator = numerator.multiply(at.subtract(xm));
                    denominator = denominator.multiply(xj.subtract(xm));
                }
            }
            numerators[j] = numerator.mod(PRIME);
            denominators[j] = denominator.mod(PRIME);
        }
        BigInteger[] prefix = new BigInteger[t];
        BigInteger running = BigInteger.ONE;
        for (int j = 0; j < t; j++) {
            prefix[j] = running;
            running = running.multiply(denominators[j]).mod(PRIME);
        }
        BigInteger inverse = running.modInverse(PRIME); // non-zero: the indices are distinct and below p
        BigInteger result = BigInteger.ZERO;
        for (int j = t - 1; j >= 0; j--) {
            BigInteger denominatorInverse = inverse.multiply(prefix[j]).mod(PRIME);
            inverse = inverse.multiply(denominators[j]).mod(PRIME);
            result = result.add(shares.get(j).y().multiply(numerators[j]).multiply(denominatorInverse))
                    .mod(PRIME);
        }
        return result;
    }

    /** Big-endian, left-padded to exactly {@code length} bytes; {@code value} must be non-negative and fit. */
    static byte[] toFixedBytes(BigInteger value, int length) {
        byte[] raw = value.toByteArray();
        int start = 0;
        while (raw.length - start > length && raw[start] == 0) {
            start++; // BigInteger adds a zero sign byte in front of values whose top bit is set
        }
        int significant = raw.length - start;
        if (value.signum() < 0 || significant > length) {
            throw new IllegalArgumentException("Value does not fit in " + length + " unsigned bytes");
        }
        byte[] out = new byte[length];
        System.arraycopy(raw, start, out, length - significant, significant);
        return out;
    }

    private static BigInteger evaluate(BigInteger[] coefficients, BigInteger x) {
        BigInteger result = BigInteger.ZERO;
        for (int i = coefficients.length - 1; i >= 0; i--) {
            result = result.multiply(x).add(coefficients[i]).mod(PRIME);
        }
        return result;
    }

    private static BigInteger uniformFieldElement(SecureRandom random) {
        BigInteger candidate;
        do {
            candidate = new BigInteger(PRIME.bitLength(), random);
        } while (candidate.compareTo(PRIME) >= 0);
        return candidate;
    }

    private static void requireDistinctIndices(int[] xs) {
        Set<Integer> seen = new HashSet<>();
        for (int x : xs) {
            if (x < 1 || x > MAX_HOLDERS) {
                throw new IllegalArgumentException("Share index " + x + " is outside 1.." + MAX_HOLDERS);
            }
            if (!seen.add(x)) {
                throw new IllegalArgumentException(
                        "Two shares have index " + x + "; each holder must have its own index"
                                + " (a duplicate would let one holder count twice towards the threshold)");
            }
        }
    }
}
