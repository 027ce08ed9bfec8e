package org.cohort.privacy.clip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class L2ClippingTest {

    @Test
    void clipsToAtMostTheBoundAndReturnsThePreClipNorm() {
        float[] update = {3f, 4f};
        double norm = L2Clipping.clipInPlace(update, 1.0);
        assertThat(norm).isEqualTo(5.0);
        assertThat(L2Clipping.l2Norm(update)).isLessThanOrEqualTo(1.0).isCloseTo(1.0, within(1e-6));
        assertThat((double) update[0] / update[1]).isCloseTo(0.75, within(1e-6));
    }

    @Test
    void leavesSmallUpdatesUntouched() {
        float[] update = {0.1f, -0.2f, 0.3f};
        float[] before = update.clone();
        assertThat(L2Clipping.clipInPlace(update, 1.0)).isCloseTo(Math.sqrt(0.14), within(1e-7));
        assertThat(update).isEqualTo(before);
    }

    @Test
    void clippedNormNeverExceedsTheBoundOnGeneratedUpdates() {
        SplittableRandom random = new SplittableRandom(42);
        for (int trial = 0; trial < 500; trial++) {
            int dim = 1 + random.nextInt(5000);
            float[] update = new float[dim];
            double scale = Math.pow(10, random.nextDouble(-3, 4));
            for (int i = 0; i < dim; i++) {
                update[i] = (float) (random.nextGaussian() * scale);
            }
            double bound = Math.pow(10, random.nextDouble(-2, 2));
            double before = L2Clipping.l2Norm(update);
            assertThat(L2Clipping.clipInPlace(update, bound)).isEqualTo(before);
            assertThat(L2Clipping.l2Norm(update)).isLessThanOrEqualTo(bound);
            if (before > bound) {
                assertThat(L2Clipping.l2Norm(update)).isCloseTo(bound, within(1e-5 * bound));
            }
        }
    }

    @Test
    void perExampleClipFactor() {
        assertThat(L2Clipping.clipFactor(0.5, 1.0)).isEqualTo(1.0);
        assertThat(L2Clipping.clipFactor(0.0, 1.0)).isEqualTo(1.0);
        assertThat(L2Clipping.clipFactor(4.0, 1.0)).isLessThan(0.25).isCloseTo(0.25, within(1e-6));
    }

    @Test
    void clipsDoubleUpdatesWithoutOverflow() {
        double[] update = {3e200, 4e200};
        assertThat(L2Clipping.clipInPlace(update, 2.0)).isCloseTo(5e200, within(1e186));
        assertThat(L2Clipping.l2Norm(update)).isLessThanOrEqualTo(2.0);
    }

    @Test
    void refusesUpdatesThatCannotBeBounded() {
        assertThatThrownBy(() -> L2Clipping.clipInPlace(new float[] {1f, Float.NaN}, 1.0))
                .hasMessageContaining("NaN");
        assertThatThrownBy(() -> L2Clipping.clipInPlace(new float[] {1f}, 0)).hasMessageContaining("clipping norm");
        assertThatThrownBy(() -> L2Clipping.clipFactor(Double.POSITIVE_INFINITY, 1))
                .hasMessageContaining("infinite");
    }
}
