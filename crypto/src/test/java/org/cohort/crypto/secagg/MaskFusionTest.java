package org.cohort.crypto.secagg;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The fused, parallel mask expansion gives bit for bit the masks of the one-mask-per-pass expansion it replaced. */
class MaskFusionTest {

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 3, 4, 4095, 4097, 12_289, 70_001})
    void fusedExpansionEqualsOneMaskPerPass(int length) {
        Random random = new Random(length);
        for (int masksCount : new int[] {1, 6}) {
            List<MaskPrg.Mask> masks = new ArrayList<>();
            for (int m = 0; m < masksCount; m++) {
                byte[] seed = new byte[32];
                random.nextBytes(seed);
                masks.add(new MaskPrg.Mask(seed, random.nextBoolean()));
            }
            int[] start = random.ints(length).toArray();
            int[] expected = start.clone();
            for (MaskPrg.Mask mask : masks) {
                onePass(mask.seed(), expected, mask.subtract());
            }
            for (int parallelism : new int[] {1, 3, 8}) {
                int[] fused = start.clone();
                MaskPrg.applyAll(masks, fused, parallelism);
                assertThat(fused)
                        .as("length %d, %d masks, %d ranges", length, masksCount, parallelism)
                        .containsExactly(expected);
            }
            int[] single = start.clone();
            for (MaskPrg.Mask mask : masks) {
                MaskPrg.apply(mask.seed(), single, mask.subtract());
            }
            assertThat(single).containsExactly(expected);
        }
    }

    /** The expansion before fusion: a new cipher per mask, one pass over the whole vector per mask. */
    static void onePass(byte[] seed, int[] target, boolean subtract) {
        Keystream keystream = Keystream.fromSeed(seed);
        byte[] block = new byte[Keystream.BLOCK_BYTES];
        int perBlock = Keystream.BLOCK_BYTES / Integer.BYTES;
        for (int offset = 0; offset < target.length; offset += perBlock) {
            int count = Math.min(perBlock, target.length - offset);
            keystream.next(block, count * Integer.BYTES);
            for (int k = 0; k < count; k++) {
                int v = (block[4 * k] & 0xFF)
                        | (block[4 * k + 1] & 0xFF) << 8
                        | (block[4 * k + 2] & 0xFF) << 16
                        | (block[4 * k + 3] & 0xFF) << 24;
                target[offset + k] += subtract ? -v : v;
            }
        }
    }
}
