package org.cohort.privacy.noise;

import java.math.BigInteger;

/**
 * Exact sampler for the discrete Gaussian N_ℤ(0, σ²) on the integers,
 * P[Y = y] ∝ exp(-y²/(2σ²)), with σ² rational (Canonne, Kamath, Steinke 2020, Algorithm 3):
 * discrete Laplace proposals with scale t = ⌊σ⌋ + 1, accepted with probability
 * exp(-(|Y| - σ²/t)²/(2σ²)), a rational exponent, so no floating point touches the output.
 *
 * <p>Adding N_ℤ(0, σ²) to an integer-valued query of L2 sensitivity Δ gives (Δ²/2σ²)-zCDP,
 * i.e. the same RDP as the continuous Gaussian, also for independent coordinates of a vector
 * (both shown in CKS20), so the accountants' Gaussian events apply with noise multiplier σ/Δ.
 */
public final class DiscreteGaussianSampler {

    private final Rational sigmaSquared;
    private final BigInteger t;
    private final BigInteger n;
    private final BigInteger dt;
    /** Denominator of the acceptance exponent: 2·n·d·t² where σ² = n/d. */
    private final BigInteger gammaDenominator;

    private final RandomSource random;

    public DiscreteGaussianSampler(Rational sigmaSquared, RandomSource random) {
        if (sigmaSquared.isZero()) {
            throw new IllegalArgumentException("sigma^2 must be positive");
        }
        this.sigmaSquared = sigmaSquared;
        this.random = random;
        this.n = sigmaSquared.numerator();
        BigInteger d = sigmaSquared.denominator();
        this.t = sigmaSquared.floorSqrt().add(BigInteger.ONE);
        this.dt = d.multiply(t);
        this.gammaDenominator =
                BigInteger.TWO.multiply(n).multiply(d).multiply(t).multiply(t);
    }

    /**
     * σ given as a double: σ² is formed exactly from σ's binary value (no rounding), so the
     * sampled distribution is exactly N_ℤ(0, σ²) for the σ that was passed.
     */
    public static DiscreteGaussianSampler withSigma(double sigma, RandomSource random) {
        if (!(sigma > 0) || Double.isInfinite(sigma)) {
            throw new IllegalArgumentException("sigma must be positive and finite, got " + sigma);
        }
        Rational s = Rational.exact(sigma);
        return new DiscreteGaussianSampler(s.multiply(s), random);
    }

    public Rational sigmaSquared() {
        return sigmaSquared;
    }

    public long sample() {
        while (true) {
            long y = DiscreteLaplaceSampler.sample(BigInteger.ONE, t, random);
            // γ = (|y| - σ²/t)² / (2σ²) = (|y|·d·t - n)² / (2·n·d·t²), compared exactly.
            BigInteger diff = BigInteger.valueOf(Math.abs(y)).multiply(dt).subtract(n);
            if (ExactBernoulli.bernoulliExpMinus(diff.multiply(diff), gammaDenominator, random)) {
                return y;
            }
        }
    }

    /** Fills {@code out} with independent samples. */
    public void sample(long[] out) {
        for (int i = 0; i < out.length; i++) {
            out[i] = sample();
        }
    }
}
