package org.cohort.privacy.noise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.stat.inference.KolmogorovSmirnovTest;
import org.junit.jupiter.api.Test;

class GranularGaussianNoiseTest {

    @Test
    void outputsLieOnTheGridAndFollowTheGaussian() {
        int k = 12;
        double sigma = 0.8;
        GranularGaussianNoise noise = new GranularGaussianNoise(sigma, k, new SeededSource(17));
        int n = 20_000;
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = noise.addNoise(0.3);
            double units = Math.scalb(out[i], k);
            assertThat(units).isEqualTo(Math.rint(units));
        }
        double snapped = Math.rint(Math.scalb(0.3, k)) / (1 << k);
        double[] centred = new double[n];
        for (int i = 0; i < n; i++) {
            centred[i] = out[i] - snapped;
        }
        // Deterministic seed; the grid step (2^-12) is far below what KS can see at this n.
        double p = new KolmogorovSmirnovTest().kolmogorovSmirnovTest(new NormalDistribution(0, sigma), centred);
        assertThat(p).isGreaterThan(1e-3);
    }

    @Test
    void noisesFloatUpdatesInPlace() {
        GranularGaussianNoise noise = new GranularGaussianNoise(1e-3, 20, new SeededSource(4));
        float[] update = {0.5f, -0.25f, 1e-7f, 3f};
        float[] before = update.clone();
        noise.addNoise(update);
        for (int i = 0; i < update.length; i++) {
            assertThat((double) update[i]).isCloseTo(before[i], within(0.01));
        }
        assertThat(update).isNotEqualTo(before);
    }

    @Test
    void effectiveSensitivityAddsTheSnappingError() {
        assertThat(GranularGaussianNoise.effectiveL2Sensitivity(1.0, 1_000_000, 20))
                .isCloseTo(1.0 + 1000.0 / (1 << 20), within(1e-15));
        assertThat(new GranularGaussianNoise(1, 20, new SeededSource(1)).granularity())
                .isEqualTo(0x1p-20);
    }

    @Test
    void refusesValuesTheGridCannotHoldExactly() {
        GranularGaussianNoise noise = new GranularGaussianNoise(1, 40, new SeededSource(2));
        assertThatThrownBy(() -> noise.addNoise(1e6)).hasMessageContaining("too large");
        assertThatThrownBy(() -> noise.addNoise(Double.NaN)).hasMessageContaining("too large");
        assertThatThrownBy(() -> new GranularGaussianNoise(0, 10, new SeededSource(2)))
                .hasMessageContaining("sigma");
    }
}
