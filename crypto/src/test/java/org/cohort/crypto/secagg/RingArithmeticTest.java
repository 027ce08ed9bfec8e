package org.cohort.crypto.secagg;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Z(2^32) on Java ints: masked sums cancel exactly whatever the order, grouping or overflow. */
class RingArithmeticTest {

    @Test
    void maskedSumIsIndependentOfOrderAndGroupingDespiteWrapAround() {
        Random random = new Random(7);
        for (int trial = 0; trial < 100; trial++) {
            int sites = 2 + random.nextInt(12);
            int length = 1 + random.nextInt(300);
            int[][] inputs = randomVectors(random, sites, length);
            int[][] masked = maskPairwise(random, inputs);

            // One order and grouping: the accumulator, chunk by chunk, sites in random order.
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < sites; i++) {
                order.add(i);
            }
            Collections.shuffle(order, random);
            MaskedSumAccumulator accumulator = new MaskedSumAccumulator(length);
            int chunk = 1 + random.nextInt(length);
            for (int site : order) {
                for (int offset = 0; offset < length; offset += chunk) {
                    accumulator.add(
                            site,
                            offset,
                            java.util.Arrays.copyOfRange(masked[site], offset, Math.min(length, offset + chunk)));
                }
            }
            // Another: exact integer arithmetic in long, reduced modulo 2^32 at the very end.
            int[] reference = new int[length];
            for (int k = 0; k < length; k++) {
                long exact = 0;
                for (int[] input : inputs) {
                    exact += input[k];
                }
                reference[k] = (int) exact; // the low 32 bits: reduction modulo 2^32
            }

            assertThat(accumulator.sum()).containsExactly(reference);
        }
    }

    @Test
    void addingThenSubtractingAMaskRestoresTheVector() {
        Random random = new Random(8);
        for (int trial = 0; trial < 50; trial++) {
            int[] vector = randomVectors(random, 1, 1 + random.nextInt(20_000))[0];
            int[] original = vector.clone();
            byte[] seed = new byte[32];
            random.nextBytes(seed);

            MaskPrg.add(seed, vector);
            assertThat(vector).isNotEqualTo(original);
            MaskPrg.subtract(seed, vector);

            assertThat(vector).containsExactly(original);
        }
    }

    @Test
    void maskOfALongerVectorExtendsTheMaskOfAShorterOne() {
        // The mask is a prefix of one keystream, so a chunk boundary or a block boundary changes nothing.
        byte[] seed = new byte[32];
        seed[5] = 9;
        int[] longer = new int[3 * Keystream.BLOCK_BYTES / 4 + 17];
        int[] shorter = new int[Keystream.BLOCK_BYTES / 4 + 3];
        MaskPrg.add(seed, longer);
        MaskPrg.add(seed, shorter);

        assertThat(java.util.Arrays.copyOf(longer, shorter.length)).containsExactly(shorter);
    }

    @Test
    void incompleteUploadsAreTakenBackOutOfTheSum() {
        Random random = new Random(9);
        int[][] inputs = randomVectors(random, 3, 100);
        MaskedSumAccumulator accumulator = new MaskedSumAccumulator(100);
        accumulator.add(0, 0, inputs[0]);
        accumulator.add(1, 0, java.util.Arrays.copyOf(inputs[1], 40));
        accumulator.add(2, 0, inputs[2]);
        accumulator.add(1, 40, java.util.Arrays.copyOfRange(inputs[1], 40, 70));

        accumulator.discardIncomplete();

        int[] expected = new int[100];
        Ring32.addInto(expected, 0, inputs[0]);
        Ring32.addInto(expected, 0, inputs[2]);
        assertThat(accumulator.sum()).containsExactly(expected);
        assertThat(accumulator.completed()).containsExactly(0, 2);
    }

    /** Each pair (i, j), i &lt; j, gets a random mask that i adds and j subtracts. */
    private static int[][] maskPairwise(Random random, int[][] inputs) {
        int[][] masked = new int[inputs.length][];
        for (int i = 0; i < inputs.length; i++) {
            masked[i] = inputs[i].clone();
        }
        for (int i = 0; i < inputs.length; i++) {
            for (int j = i + 1; j < inputs.length; j++) {
                int[] mask = randomVectors(random, 1, inputs[i].length)[0];
                Ring32.addInto(masked[i], 0, mask);
                Ring32.subtractFrom(masked[j], 0, mask);
            }
        }
        return masked;
    }

    /** Full-range ints, so sums overflow all the time. */
    private static int[][] randomVectors(Random random, int count, int length) {
        int[][] vectors = new int[count][length];
        for (int[] vector : vectors) {
            for (int k = 0; k < length; k++) {
                vector[k] = random.nextInt();
            }
        }
        return vectors;
    }
}
