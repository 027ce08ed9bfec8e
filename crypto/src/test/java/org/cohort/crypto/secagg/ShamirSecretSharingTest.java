package org.cohort.crypto.secagg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Properties of Shamir sharing over GF(2^256 + 297), checked on generated secrets and share sets. */
class ShamirSecretSharingTest {

    private static final SecureRandom RANDOM = new SecureRandom();

    @Test
    void fieldPrimeIsTheSmallestPrimeAbove2To256() {
        BigInteger twoTo256 = BigInteger.ONE.shiftLeft(256);
        assertThat(ShamirSecretSharing.PRIME.isProbablePrime(128)).isTrue();
        assertThat(ShamirSecretSharing.PRIME.subtract(twoTo256)).isEqualTo(BigInteger.valueOf(297));
        for (int d = 1; d < 297; d++) {
            assertThat(twoTo256.add(BigInteger.valueOf(d)).isProbablePrime(64))
                    .as("2^256 + %d", d)
                    .isFalse();
        }
        assertThat(ShamirSecretSharing.PRIME.bitLength()).isEqualTo(8 * ShamirSecretSharing.SHARE_BYTES - 7);
    }

    @Test
    void anyThresholdSharesReconstructTheSecret() {
        Random random = new Random(1);
        for (int trial = 0; trial < 200; trial++) {
            int holders = 2 + random.nextInt(30);
            int threshold = 1 + random.nextInt(holders);
            byte[] secret = randomSecret();
            List<ShamirShare> shares =
                    ShamirSecretSharing.split(secret, threshold, distinctIndices(holders, random), RANDOM);

            List<ShamirShare> subset = new ArrayList<>(shares);
            Collections.shuffle(subset, random);
            int take = threshold + random.nextInt(holders - threshold + 1);

            assertThat(ShamirSecretSharing.reconstruct(subset.subList(0, take), threshold))
                    .isEqualTo(secret);
        }
    }

    @Test
    void extremeSecretsRoundTrip() {
        byte[] zeros = new byte[32];
        byte[] ones = new byte[32];
        java.util.Arrays.fill(ones, (byte) 0xff);
        for (byte[] secret : new byte[][] {zeros, ones}) {
            List<ShamirShare> shares = ShamirSecretSharing.split(secret, 3, new int[] {1, 2, 3, 4}, RANDOM);
            assertThat(ShamirSecretSharing.reconstruct(shares, 3)).isEqualTo(secret);
            assertThat(shares)
                    .allSatisfy(share -> assertThat(share.encodedValue()).hasSize(ShamirSecretSharing.SHARE_BYTES));
        }
    }

    @Test
    void fewerThanThresholdSharesAreConsistentWithEverySecret() {
        // Perfect secrecy: for any t - 1 shares and any candidate secret there is a degree t - 1
        // polynomial through both, so the shares rule out no secret at all.
        Random random = new Random(2);
        for (int trial = 0; trial < 100; trial++) {
            int threshold = 2 + random.nextInt(10);
            int[] xs = distinctIndices(threshold, random);
            List<ShamirShare> shares = ShamirSecretSharing.split(randomSecret(), threshold, xs, RANDOM);
            List<ShamirShare> known = shares.subList(0, threshold - 1);
            byte[] candidate = randomSecret();

            // The polynomial through (0, candidate) and the t - 1 known shares, evaluated at a fresh index.
            List<BigInteger[]> points = new ArrayList<>();
            points.add(new BigInteger[] {BigInteger.ZERO, new BigInteger(1, candidate)});
            known.forEach(share -> points.add(new BigInteger[] {BigInteger.valueOf(share.x()), share.y()}));
            int fresh = 1_000_000;
            List<ShamirShare> withCandidate = new ArrayList<>(known);
            withCandidate.add(new ShamirShare(fresh, lagrange(points, BigInteger.valueOf(fresh))));

            assertThat(ShamirSecretSharing.reconstruct(withCandidate, threshold))
                    .isEqualTo(candidate);
        }
    }

    @Test
    void fewerThanThresholdSharesAreRejected() {
        List<ShamirShare> shares = ShamirSecretSharing.split(randomSecret(), 4, new int[] {1, 2, 3, 4, 5}, RANDOM);

        assertThatThrownBy(() -> ShamirSecretSharing.reconstruct(shares.subList(0, 3), 4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Need 4 shares");
    }

    @Test
    void duplicateShareIndicesAreRejected() {
        List<ShamirShare> shares = ShamirSecretSharing.split(randomSecret(), 2, new int[] {1, 2, 3}, RANDOM);
        List<ShamirShare> duplicated = List.of(shares.get(0), shares.get(0));

        assertThatThrownBy(() -> ShamirSecretSharing.reconstruct(duplicated, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Two shares have index 1");
        assertThatThrownBy(() -> ShamirSecretSharing.split(randomSecret(), 2, new int[] {1, 2, 2}, RANDOM))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Two shares have index 2");
    }

    @Test
    void invalidSharesAreRejected() {
        assertThatThrownBy(() -> new ShamirShare(0, BigInteger.ONE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("would be the secret itself");
        assertThatThrownBy(() -> new ShamirShare(-3, BigInteger.ONE)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ShamirShare(1, ShamirSecretSharing.PRIME))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not an element of the field");
        assertThatThrownBy(() -> ShamirShare.decode(1, new byte[32]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("33 bytes");
        assertThatThrownBy(() -> ShamirSecretSharing.split(new byte[31], 2, new int[] {1, 2}, RANDOM))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ShamirSecretSharing.split(randomSecret(), 3, new int[] {1, 2}, RANDOM))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("could never be rebuilt");
    }

    @Test
    void aCorruptedShareIsDetectedWhenMoreThanThresholdAreAvailable() {
        Random random = new Random(3);
        for (int trial = 0; trial < 50; trial++) {
            List<ShamirShare> shares =
                    new ArrayList<>(ShamirSecretSharing.split(randomSecret(), 4, new int[] {1, 2, 3, 4, 5, 6}, RANDOM));
            int victim = random.nextInt(shares.size());
            ShamirShare bad = shares.get(victim);
            shares.set(
                    victim, new ShamirShare(bad.x(), bad.y().add(BigInteger.ONE).mod(ShamirSecretSharing.PRIME)));

            assertThatThrownBy(() -> ShamirSecretSharing.reconstruct(shares, 4))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageMatching("(?s).*(do not lie on one polynomial|above 2\\^256).*");
        }
    }

    private static byte[] randomSecret() {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        return secret;
    }

    private static int[] distinctIndices(int count, Random random) {
        List<Integer> pool =
                new ArrayList<>(IntStream.rangeClosed(1, 200).boxed().toList());
        Collections.shuffle(pool, random);
        return pool.subList(0, count).stream().mapToInt(Integer::intValue).toArray();
    }

    /** Textbook Lagrange interpolation mod p, independent of the code under test. */
    private static BigInteger lagrange(List<BigInteger[]> points, BigInteger at) {
        BigInteger p = ShamirSecretSharing.PRIME;
        BigInteger result = BigInteger.ZERO;
        for (BigInteger[] j : points) {
            BigInteger term = j[1];
            for (BigInteger[] m : points) {
                if (m != j) {
                    term = term.multiply(at.subtract(m[0]))
                            .multiply(j[0].subtract(m[0]).modInverse(p))
                            .mod(p);
                }
            }
            result = result.add(term).mod(p);
        }
        return result;
    }
}
