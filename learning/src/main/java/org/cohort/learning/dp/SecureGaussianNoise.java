package org.cohort.learning.dp;

import java.util.Objects;
import org.cohort.privacy.noise.GranularGaussianNoise;
import org.cohort.privacy.noise.KeystreamNoiseSource;
import org.cohort.privacy.noise.RandomSource;

/**
 * Noise that is safe to release: the privacy module's lattice ("granular") Gaussian, fed by an
 * AES-256-CTR keystream keyed from its SP 800-90A DRBG ({@link KeystreamNoiseSource}). Each value
 * is snapped to the grid 2^-k·ℤ and discrete Gaussian noise on that grid is added, so no
 * floating-point artefact of the sampler can reveal the noised value (Mironov 2012). Rounding the
 * grid result to float afterwards is post-processing. The integer noise is within total variation
 * 2^-120 per value of the exact discrete Gaussian (see
 * {@link org.cohort.privacy.noise.TabulatedDiscreteGaussian}): over a whole training run that
 * adds less than 2^-60·(1 + e^ε) to δ, which the accountant therefore leaves out.
 *
 * <p>Privacy consequence of the grid: sensitivity grows from Δ to Δ + 2^-k·√d (see
 * {@link #accountedSensitivity}); {@link DpSgdTrainer} reports the correspondingly smaller noise
 * multiplier for the accountant. With the default k = {@value #DEFAULT_GRANULARITY_EXPONENT}
 * that is Δ + 6·10^-8·√d, negligible next to any sensible clipping norm.
 */
public final class SecureGaussianNoise implements NoiseSource {

    /**
     * Grid step 2^-24 ≈ 6·10^-8, about float's resolution at 1: finer would be lost when the
     * result is rounded to float, and values up to 2^28 still fit the sampler's exact range.
     */
    public static final int DEFAULT_GRANULARITY_EXPONENT = 24;

    private final RandomSource random;
    private final int granularityExponent;
    private final String generator;
    private GranularGaussianNoise sampler;

    SecureGaussianNoise(RandomSource random, int granularityExponent, String generator) {
        this.random = Objects.requireNonNull(random, "random");
        if (granularityExponent < 0 || granularityExponent > 60) {
            throw new IllegalArgumentException("granularityExponent must be in [0, 60], was " + granularityExponent);
        }
        this.granularityExponent = granularityExponent;
        this.generator = generator;
    }

    /** Lattice Gaussian on grid 2^-{@value #DEFAULT_GRANULARITY_EXPONENT} from a freshly seeded DRBG. */
    public static SecureGaussianNoise create() {
        return create(DEFAULT_GRANULARITY_EXPONENT);
    }

    /** Lattice Gaussian on grid 2^-granularityExponent from a freshly seeded DRBG. */
    public static SecureGaussianNoise create(int granularityExponent) {
        KeystreamNoiseSource keystream = KeystreamNoiseSource.create();
        return new SecureGaussianNoise(keystream, granularityExponent, keystream.describe());
    }

    /** k: the grid step is 2^-k. */
    public int granularityExponent() {
        return granularityExponent;
    }

    @Override
    public synchronized void addGaussian(float[] target, double sigma) {
        Objects.requireNonNull(target, "target");
        // Building a sampler does exact rational set-up work; DP-SGD asks for the same σ every step.
        if (sampler == null || sampler.sigma() != sigma) {
            sampler = new GranularGaussianNoise(sigma, granularityExponent, random);
        }
        sampler.addNoise(target);
    }

    @Override
    public double accountedSensitivity(double l2Sensitivity, long dimension) {
        return GranularGaussianNoise.effectiveL2Sensitivity(l2Sensitivity, dimension, granularityExponent);
    }

    @Override
    public String describe() {
        return "lattice Gaussian, grid 2^-" + granularityExponent
                + ", tabulated discrete Gaussian sampler (TV <= 2^-120 per value) on " + generator;
    }
}
