package org.cohort.crypto.secagg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.security.SecureRandom;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RingQuantizerTest {

    private static final SecureRandom RANDOM = new SecureRandom();

    @Test
    void stochasticRoundingIsUnbiased() {
        RingQuantizer quantizer =
                new RingQuantizer(1_000_000, 1.0); // coarse: 2147 levels per unit, so rounding matters
        double value = 0.123456789;
        int copies = 200_000;
        double[] update = new double[copies];
        java.util.Arrays.fill(update, value);

        int[] quantized = quantizer.quantize(update, RANDOM);

        double mean = 0;
        for (int q : quantized) {
            mean += q / quantizer.scale();
        }
        mean /= copies;
        // Each rounding has standard deviation at most step / 2; 5 standard errors of the mean.
        double step = 1 / quantizer.scale();
        assertThat(mean).isCloseTo(value, within(5 * step / 2 / Math.sqrt(copies)));
        for (int q : quantized) {
            assertThat(q / quantizer.scale()).isCloseTo(value, within(step));
        }
    }

    @Test
    void encodeSumDecodeIsUnbiased() {
        int sites = 10;
        int length = 50_000;
        RingQuantizer quantizer = new RingQuantizer(sites, 0.5);
        Random random = new Random(10);
        double[] trueSum = new double[length];
        int[] ringSum = new int[length];
        for (int site = 0; site < sites; site++) {
            double[] update = new double[length];
            for (int k = 0; k < length; k++) {
                update[k] = (random.nextDouble() - 0.5) * 0.9;
                trueSum[k] += update[k];
            }
            Ring32.addInto(ringSum, 0, quantizer.quantize(update, RANDOM));
        }

        double[] decoded = quantizer.decode(ringSum);

        double step = 1 / quantizer.scale();
        double meanError = 0;
        for (int k = 0; k < length; k++) {
            assertThat(decoded[k]).isCloseTo(trueSum[k], within(sites * step));
            meanError += decoded[k] - trueSum[k];
        }
        meanError /= length;
        assertThat(meanError).isCloseTo(0, within(5 * Math.sqrt(sites) * step / 2 / Math.sqrt(length)));
    }

    @Test
    void sumOfMaxClientsAtTheClipBoundsCannotOverflow() {
        for (int sites : new int[] {1, 2, 3, 7, 10, 100, 1000, 65_535, 1_000_000}) {
            RingQuantizer quantizer = new RingQuantizer(sites, 2.5);
            assertThat((long) sites * quantizer.maxLevel()).isLessThanOrEqualTo(Integer.MAX_VALUE);
            for (double extreme :
                    new double[] {2.5, -2.5, 1e9, -1e9, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
                int[] one = quantizer.quantize(new double[] {extreme, Math.nextDown(2.5), -Math.nextDown(2.5)}, RANDOM);
                long[] exact = new long[3];
                int[] ring = new int[3];
                for (int site = 0; site < Math.min(sites, 2000); site++) {
                    for (int k = 0; k < 3; k++) {
                        exact[k] += one[k];
                    }
                    Ring32.addInto(ring, 0, one);
                }
                // Scale the partial sum up to all sites: still within the signed range.
                for (int k = 0; k < 3; k++) {
                    assertThat(Math.abs((long) one[k]) * sites).isLessThanOrEqualTo(Integer.MAX_VALUE);
                    assertThat((long) ring[k]).isEqualTo(exact[k]);
                }
                double clipped = Math.max(-2.5, Math.min(2.5, extreme));
                assertThat(quantizer.decode(new int[] {one[0]})[0]).isCloseTo(clipped, within(1 / quantizer.scale()));
            }
        }
    }

    @Test
    void fullRoundAtTheBoundsDecodesExactlyWithoutWrapping() {
        int sites = 100;
        RingQuantizer quantizer = new RingQuantizer(sites, 1.0);
        int[] sum = new int[2];
        for (int site = 0; site < sites; site++) {
            Ring32.addInto(sum, 0, quantizer.quantize(new double[] {1.0, -1.0}, RANDOM));
        }

        assertThat(sum).containsExactly(sites * quantizer.maxLevel(), -sites * quantizer.maxLevel());
        assertThat(quantizer.decode(sum)).containsExactly(new double[] {100.0, -100.0}, within(1e-6));
    }

    @Test
    void precisionShrinksOnlyLogarithmicallyWithTheNumberOfSites() {
        assertThat(new RingQuantizer(100, 1.0).bitsPerCoordinate()).isCloseTo(25.36, within(0.01));
        assertThat(new RingQuantizer(1, 1.0).bitsPerCoordinate()).isCloseTo(32, within(0.01));
    }

    @Test
    void rejectsNaNAndNonsenseBounds() {
        RingQuantizer quantizer = new RingQuantizer(10, 1.0);
        assertThatThrownBy(() -> quantizer.quantize(new double[] {0.1, Double.NaN}, RANDOM))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("coordinate 1 is NaN");
        assertThatThrownBy(() -> new RingQuantizer(0, 1.0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RingQuantizer(10, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RingQuantizer(10, Double.POSITIVE_INFINITY))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aSixteenBitRingKeepsTheSumOfItsSitesWithinTwoToTheFifteen() {
        for (int n : new int[] {1, 3, 10, 100, 258, 32767}) {
            var q = new RingQuantizer(n, 2.0, RingQuantizer.NARROW_RING_BITS);
            assertThat((long) n * q.maxLevel()).isLessThanOrEqualTo((1 << 15) - 1);
            assertThat((long) n * (q.maxLevel() + 1)).isGreaterThan((1 << 15) - 1);
            assertThat(q.ringBits()).isEqualTo(16);
        }
        assertThatThrownBy(() -> new RingQuantizer(32768, 2.0, RingQuantizer.NARROW_RING_BITS))
                .hasMessageContaining("cannot hold the sum of 32768 sites");
        assertThatThrownBy(() -> new RingQuantizer(3, 2.0, 24)).hasMessageContaining("ring bits must be 32 or 16");
    }

    @Test
    void aSixteenBitSumIsReadFromItsLowBitsAsASignedNumber() {
        var q = new RingQuantizer(4, 1.0, RingQuantizer.NARROW_RING_BITS);
        int negative = -(4 * q.maxLevel()); // the most negative sum four sites can reach
        // As Z(2^32) arithmetic might leave it: the right low 16 bits under any high bits.
        int[] sum = {negative & 0xFFFF, (negative & 0xFFFF) | 0x7ABC0000, 5};
        double[] decoded = q.decode(sum);
        assertThat(decoded[0]).isEqualTo(negative / q.scale());
        assertThat(decoded[1]).isEqualTo(negative / q.scale());
        assertThat(decoded[2]).isEqualTo(5 / q.scale());
    }
}
