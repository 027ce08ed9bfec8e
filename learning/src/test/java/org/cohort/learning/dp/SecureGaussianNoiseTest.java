package org.cohort.learning.dp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class SecureGaussianNoiseTest {

    @Test
    void noiseHasExpectedScale() {
        // The production sampler on seeded bits: the outcome is fixed, and every bound is many
        // standard errors wide, so a correct sampler cannot fail it.
        double sigma = 0.7;
        SecureGaussianNoise noise = new SecureGaussianNoise(DpFixtures.seededBits(42), 24, "seeded test bits");
        float[] values = new float[100_000];
        noise.addGaussian(values, sigma);

        double sum = 0;
        double squares = 0;
        double fourth = 0;
        int withinOneSigma = 0;
        for (float v : values) {
            sum += v;
            squares += (double) v * v;
            fourth += Math.pow(v, 4);
            if (Math.abs(v) <= sigma) {
                withinOneSigma++;
            }
        }
        int n = values.length;
        double mean = sum / n;
        double variance = squares / n - mean * mean;
        assertThat(mean).isCloseTo(0, within(5 * sigma / Math.sqrt(n)));
        assertThat(Math.sqrt(variance)).isCloseTo(sigma, within(0.02 * sigma)); // SE is 0.22 %
        assertThat(fourth / n / (variance * variance)).isCloseTo(3, within(0.15)); // Gaussian kurtosis; SE 0.015
        assertThat((double) withinOneSigma / n).isCloseTo(0.6827, within(0.01)); // SE 0.0015
    }

    @Test
    void valuesLandOnTheGrid() {
        SecureGaussianNoise noise = new SecureGaussianNoise(DpFixtures.seededBits(1), 10, "seeded test bits");
        float[] values = {0.123456f, -3.5f, 1e-6f, 0f};
        noise.addGaussian(values, 0.5);

        for (float v : values) {
            double units = Math.scalb((double) v, 10);
            assertThat(units).isEqualTo(Math.rint(units));
        }
    }

    @Test
    void accountsForTheGridInTheSensitivity() {
        SecureGaussianNoise noise = new SecureGaussianNoise(DpFixtures.seededBits(1), 20, "seeded test bits");

        double accounted = noise.accountedSensitivity(1.0, 10_000);

        assertThat(accounted).isCloseTo(1.0 + 100 * Math.scalb(1.0, -20), within(1e-15));
        assertThat(noise.describe()).contains("lattice Gaussian").contains("2^-20");
    }

    @Test
    void productionSourceDrawsFromTheDrbg() {
        SecureGaussianNoise noise = SecureGaussianNoise.create();
        float[] values = new float[1000];
        noise.addGaussian(values, 1.0);

        assertThat(noise.describe()).contains("DRBG");
        assertThat(values).doesNotContain(Float.NaN);
        double squares = 0;
        for (float v : values) {
            squares += (double) v * v;
        }
        // Bounds 20 standard errors wide: a working DRBG does not reach them.
        assertThat(Math.sqrt(squares / values.length)).isBetween(0.6, 1.4);
    }
}
