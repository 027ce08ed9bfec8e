package org.cohort.privacy.noise;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import org.apache.commons.math3.stat.inference.ChiSquareTest;
import org.junit.jupiter.api.Test;

class RandomSourceTest {

    @Test
    void boundedDrawsAreUniform() {
        RandomSource random = new SeededSource(21);
        for (long bound : new long[] {3, 7, 10, 1000}) {
            long[] counts = new long[(int) bound];
            int n = 50_000;
            for (int i = 0; i < n; i++) {
                long r = random.nextLong(bound);
                assertThat(r).isBetween(0L, bound - 1);
                counts[(int) r]++;
            }
            double[] expected = new double[(int) bound];
            java.util.Arrays.fill(expected, (double) n / bound);
            assertThat(new ChiSquareTest().chiSquareTest(expected, counts))
                    .as("bound %s", bound)
                    .isGreaterThan(1e-3);
        }
    }

    @Test
    void bigIntegerDrawsStayBelowBoundAndCoverIt() {
        RandomSource random = new SeededSource(8);
        BigInteger bound = BigInteger.ONE.shiftLeft(100).add(BigInteger.valueOf(12345));
        BigInteger half = bound.shiftRight(1);
        int below = 0;
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            BigInteger r = random.nextBigInteger(bound);
            assertThat(r.signum()).isGreaterThanOrEqualTo(0);
            assertThat(r).isLessThan(bound);
            if (r.compareTo(half) < 0) {
                below++;
            }
        }
        assertThat((double) below / n).isBetween(0.5 - 5 * 0.5 / Math.sqrt(n), 0.5 + 5 * 0.5 / Math.sqrt(n));
    }

    @Test
    void secureSourceIsAStrongDrbg() {
        SecureNoiseSource source = SecureNoiseSource.create();
        assertThat(source.describe()).contains("DRBG").contains("256");
        // Monobit check with a 10-standard-error band: failing it by chance has probability < 1e-22.
        int n = 1 << 20;
        long ones = 0;
        for (int i = 0; i < n / 64; i++) {
            ones += Long.bitCount(source.nextLongBits());
        }
        assertThat(Math.abs(ones - n / 2.0)).isLessThan(10 * Math.sqrt(n / 4.0));
    }

    @Test
    void secureSourceHandsOutEveryDrbgBitExactlyOnce() {
        // A fake generator whose output stream is the bytes 0, 1, 2, ... lets us follow the bits.
        java.security.SecureRandom counting = new java.security.SecureRandom() {
            private int next;

            @Override
            public void nextBytes(byte[] bytes) {
                for (int i = 0; i < bytes.length; i++) {
                    bytes[i] = (byte) next++;
                }
            }
        };
        SecureNoiseSource source = new SecureNoiseSource(counting);
        long first = 0x0001020304050607L;
        long second = 0x08090A0B0C0D0E0FL;
        assertThat(source.nextBits(4)).isEqualTo(first & 0xF);
        assertThat(source.nextBits(60)).isEqualTo((first >>> 4) & ((1L << 60) - 1));
        assertThat(source.nextBits(1)).isEqualTo(second & 1);
        // 63 bits remain; asking for 63 more takes them all.
        assertThat(source.nextBits(63)).isEqualTo(second >>> 1);
        assertThat(source.nextBits(0)).isZero();
    }

    @Test
    void secureSourceBoundedDrawsAreUniform() {
        // SHA1PRNG seeded before first use is deterministic, so this check cannot flake.
        java.security.SecureRandom seeded;
        try {
            seeded = java.security.SecureRandom.getInstance("SHA1PRNG");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
        seeded.setSeed(1234L);
        RandomSource random = new SecureNoiseSource(seeded);
        long[] counts = new long[10];
        int n = 100_000;
        for (int i = 0; i < n; i++) {
            counts[(int) random.nextLong(10)]++;
        }
        double[] expected = new double[10];
        java.util.Arrays.fill(expected, n / 10.0);
        assertThat(new ChiSquareTest().chiSquareTest(expected, counts)).isGreaterThan(1e-3);
    }
}
