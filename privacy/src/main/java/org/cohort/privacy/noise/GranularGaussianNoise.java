package org.cohort.privacy.noise;

import java.math.BigInteger;

/**
 * Gaussian noise for real-valued updates that is safe against floating-point attacks
 * (Mironov 2012): each value is snapped to the grid γ·ℤ with γ = 2^-k, and discrete Gaussian
 * noise on the same grid, γ·N_ℤ(0, (σ/γ)²), is added exactly. The output is always a grid
 * point, computed without rounding, so which doubles can appear does not depend on the data.
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
    private final DiscreteGaussianSampler sampler;
    private final double sigma;

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
        this.sampler = new DiscreteGaussianSampler(sigmaOnGrid.multiply(sigmaOnGrid), random);
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
        double units = Math.rint(Math.scalb(value, granularityExponent));
        if (!(Math.abs(units) < MAX_GRID_UNITS)) {
            throw new IllegalArgumentException("value " + value + " is too large for grid 2^-" + granularityExponent
                    + "; clip first or use a coarser grid");
        }
        double noisy = units + sampler.sample();
        if (!(Math.abs(noisy) < 2 * MAX_GRID_UNITS)) {
            throw new IllegalStateException("noisy value left the exactly representable range; use a coarser grid");
        }
        return Math.scalb(noisy, -granularityExponent);
    }

    /**
     * Adds noise to every coordinate in place. Rounding the exact grid result to float is
     * post-processing of the released value, so it does not weaken the guarantee.
     */
    public void addNoise(float[] values) {
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) addNoise(values[i]);
        }
    }

    public void addNoise(double[] values) {
        for (int i = 0; i < values.length; i++) {
            values[i] = addNoise(values[i]);
        }
    }
}
