package org.cohort.privacy.noise;

import java.math.BigInteger;

/**
 * Gaussian noise for real-valued updates that is safe against floating-point attacks
 * (Mironov 2012): each value is snapped to the grid γ·ℤ with γ = 2^-k, and discrete Gaussian
 * noise on the same grid, γ·N_ℤ(0, (σ/γ)²), is added exactly. The output is always a grid
 * point, computed without rounding, so which doubles can appear does not depend on the data.
 *
 * <p>The integer noise comes from {@link TabulatedDiscreteGaussian}, within total variation
 * {@link #totalVariationBound()} (below 2^-120) per value of the exact N_ℤ(0, (σ/γ)²); see there
 * for the bound and why it is negligible in δ. The arrays are noised in batches, tens of
 * millions of values per second and core with a {@link KeystreamNoiseSource}.
 *
 * <p>Privacy consequence: snapping moves each coordinate by at most γ/2, so two inputs at L2
 * distance Δ can be at distance up to Δ + γ·√d on the grid (d = dimension). Account with
 * sensitivity {@link #effectiveL2Sensitivity}, i.e. noise multiplier σ / (Δ + γ√d); for
 * that sensitivity the lattice Gaussian has the RDP of the continuous one (Canonne, Kamath,
 * Steinke 2020).
 * With Poisson sampling the accountants treat it as the sampled continuous Gaussian, as is
 * standard practice for discretised DP-SGD; choose k so that γ√d is negligible next to Δ
 * (e.g. k = 20 gives γ√d ≈ 0.001 for a million parameters).
 */
public final class GranularGaussianNoise {

    /** Grid values must stay below 2^52 in grid units so that every sum is exact in a double. */
    private static final double MAX_GRID_UNITS = 0x1p52;

    private final int granularityExponent;
    private final TabulatedDiscreteGaussian sampler;
    private final RandomSource random;
    private final double sigma;
    private final double toGrid;
    private final double fromGrid;
    private long[] chunk = new long[0];

    /**
     * @param sigma noise standard deviation in the values' units (noise multiplier × sensitivity)
     * @param granularityExponent k, the grid step is 2^-k; between 0 and 60
     */
    public GranularGaussianNoise(double sigma, int granularityExponent, RandomSource random) {
        if (!(sigma > 0) || Double.isInfinite(sigma)) {
            throw new IllegalArgumentException("sigma must be positive and finite, got " + sigma);
        }
        if (granularityExponent < 0 || granularityExponent > 60) {
            throw new IllegalArgumentException("granularity exponent must be in [0, 60], got " + granularityExponent);
        }
        this.sigma = sigma;
        this.granularityExponent = granularityExponent;
        // σ/γ = σ·2^k exactly, so (σ/γ)² is an exact rational.
        Rational sigmaOnGrid = Rational.exact(sigma).multiply(BigInteger.ONE.shiftLeft(granularityExponent));
        this.sampler = new TabulatedDiscreteGaussian(sigmaOnGrid.multiply(sigmaOnGrid));
        this.random = random;
        // Multiplying by an exact power of two is what Math.scalb does (one correctly rounded product).
        this.toGrid = Math.scalb(1.0, granularityExponent);
        this.fromGrid = Math.scalb(1.0, -granularityExponent);
    }

    /** Per-value total variation distance of the integer noise to the exact discrete Gaussian (upper bound). */
    public double totalVariationBound() {
        return sampler.totalVariationBound();
    }

    /** The grid step γ = 2^-k. */
    public double granularity() {
        return Math.scalb(1.0, -granularityExponent);
    }

    public double sigma() {
        return sigma;
    }

    /** Δ + γ·√d: the sensitivity to account with after snapping to the grid. */
    public static double effectiveL2Sensitivity(double l2Sensitivity, long dimension, int granularityExponent) {
        return l2Sensitivity + Math.scalb(1.0, -granularityExponent) * Math.sqrt(dimension);
    }

    /** One noisy value: snap(x) + γ·Z. */
    public double addNoise(double value) {
        return noisy(value, sampler.sample(random));
    }

    private double noisy(double value, long noise) {
        double units = Math.rint(value * toGrid);
        if (!(Math.abs(units) < MAX_GRID_UNITS)) {
            throw new IllegalArgumentException("value " + value + " is too large for grid 2^-" + granularityExponent
                    + "; clip first or use a coarser grid");
        }
        double noisy = units + noise;
        if (!(Math.abs(noisy) < 2 * MAX_GRID_UNITS)) {
            throw new IllegalStateException("noisy value left the exactly representable range; use a coarser grid");
        }
        return noisy * fromGrid;
    }

    private long[] chunk(int length) {
        int size = Math.min(4096, Math.max(1, length));
        if (chunk.length < size) {
            chunk = new long[size];
        }
        return chunk;
    }

    /**
     * Adds noise to every coordinate in place. Rounding the exact grid result to float is
     * post-processing of the released value, so it does not weaken the guarantee.
     */
    public void addNoise(float[] values) {
        long[] noise = chunk(values.length);
        for (int at = 0; at < values.length; at += noise.length) {
            int n = Math.min(noise.length, values.length - at);
            sampler.sample(noise, 0, n, random);
            for (int k = 0; k < n; k++) {
                values[at + k] = (float) noisy(values[at + k], noise[k]);
            }
        }
    }

    public void addNoise(double[] values) {
        addNoise(values, values.length);
    }

    /** Adds noise to {@code values[0..count)} in place (a reused buffer's first {@code count} values). */
    public void addNoise(double[] values, int count) {
        if (count < 0 || count > values.length) {
            throw new IllegalArgumentException("count " + count + " is not within the " + values.length + " values");
        }
        long[] noise = chunk(count);
        for (int at = 0; at < count; at += noise.length) {
            int n = Math.min(noise.length, count - at);
            sampler.sample(noise, 0, n, random);
            for (int k = 0; k < n; k++) {
                values[at + k] = noisy(values[at + k], noise[k]);
            }
        }
    }
}
