package org.cohort.privacy.accounting.rdp;

import static org.cohort.privacy.math.LogMath.logAdd;
import static org.cohort.privacy.math.LogMath.logBinomial;
import static org.cohort.privacy.math.LogMath.logErfc;

/**
 * Rényi DP of the Poisson-sampled Gaussian mechanism (Mironov, Talwar, Zhang 2019,
 * "Rényi Differential Privacy of the Sampled Gaussian Mechanism", Sec. 3.3), computed in log
 * space the way TensorFlow Privacy and Google's dp_accounting do, so that their published
 * numbers are reproduced.
 *
 * <p>RDP at order α of one step is log(A_α)/(α-1). For integer α, A_α is a finite binomial
 * sum; for fractional α it is an infinite series split at z0 whose terms carry erfc factors,
 * summed until both halves are decreasing and 30 nats below the total. As in dp_accounting,
 * the fractional series adds the magnitudes of the generalised binomial coefficients, which
 * bounds A_α from above (Opacus subtracts the negative terms and so reports values up to a few
 * 1e-5 lower; see the tests).
 */
public final class SampledGaussianRdp {

    /** dp_accounting gives up on a fractional order after this many terms and drops the order. */
    static final int MAX_FRACTIONAL_TERMS = 1000;

    private SampledGaussianRdp() {}

    /**
     * RDP of one step of the sampled Gaussian mechanism at {@code order}.
     *
     * @param samplingRate Poisson sampling probability q in [0, 1]
     * @param noiseMultiplier σ: noise standard deviation divided by the L2 sensitivity, ≥ 0
     * @param order Rényi order α > 1, or +∞; α = 1 (the KL divergence) only for q ∈ {0, 1}
     * @return the RDP, possibly +∞ (order ∞ with q > 0, σ = 0, or an order whose series did not
     *     converge)
     */
    public static double rdp(double samplingRate, double noiseMultiplier, double order) {
        validate(samplingRate, noiseMultiplier);
        if (!(order >= 1)) {
            throw new IllegalArgumentException("RDP order must be >= 1 (or +infinity), got " + order);
        }
        if (samplingRate == 0) {
            return 0;
        }
        if (order == 1 && samplingRate != 1.0 && noiseMultiplier != 0) {
            throw new IllegalArgumentException(
                    "order 1 (KL divergence) is supported only for sampling rates 0 and 1; use orders > 1");
        }
        if (Double.isInfinite(order) || noiseMultiplier == 0) {
            return Double.POSITIVE_INFINITY;
        }
        if (samplingRate == 1.0) {
            return order / (2 * noiseMultiplier * noiseMultiplier);
        }
        return logA(samplingRate, noiseMultiplier, order) / (order - 1);
    }

    /** RDP of {@code steps} compositions at each order (RDP adds up under composition). */
    public static double[] rdp(double samplingRate, double noiseMultiplier, long steps, double[] orders) {
        if (steps < 0) {
            throw new IllegalArgumentException("steps must be >= 0, got " + steps);
        }
        double[] out = new double[orders.length];
        for (int i = 0; i < orders.length; i++) {
            double one = rdp(samplingRate, noiseMultiplier, orders[i]);
            out[i] = steps == 0 ? 0 : one * steps;
        }
        return out;
    }

    /** log(A_α) for 0 < q < 1, choosing the integer or the fractional series. */
    static double logA(double q, double sigma, double alpha) {
        if (alpha == Math.rint(alpha) && alpha <= Integer.MAX_VALUE - 1) {
            return logAInteger(q, sigma, (int) alpha);
        }
        return logAFractional(q, sigma, alpha);
    }

    static double logAInteger(double q, double sigma, int alpha) {
        double logA = Double.NEGATIVE_INFINITY;
        double logQ = Math.log(q);
        double log1mq = Math.log1p(-q);
        double twoSigma2 = 2 * sigma * sigma;
        for (int i = 0; i <= alpha; i++) {
            double logCoef = logBinomial(alpha, i) + i * logQ + (alpha - i) * log1mq;
            double term = logCoef + ((double) i * i - i) / twoSigma2;
            logA = logAdd(logA, term);
        }
        return logA;
    }

    static double logAFractional(double q, double sigma, double alpha) {
        // A_α = ∫ over (-∞, z0] + ∫ over [z0, ∞); z0 is where the two Gaussians' mixture ratio
        // crosses 1, which keeps every term of both series positive.
        double logA0 = Double.NEGATIVE_INFINITY;
        double logA1 = Double.NEGATIVE_INFINITY;
        double z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5;
        double logQ = Math.log(q);
        double log1mq = Math.log1p(-q);
        double twoSigma2 = 2 * sigma * sigma;
        double sqrt2Sigma = Math.sqrt(2) * sigma;
        double logHalf = Math.log(0.5);
        double lastS0 = Double.NEGATIVE_INFINITY;
        double lastS1 = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < MAX_FRACTIONAL_TERMS; i++) {
            double logCoef = logBinomial(alpha, i);
            double j = alpha - i;
            double logT0 = logCoef + i * logQ + j * log1mq;
            double logT1 = logCoef + j * logQ + i * log1mq;
            double logE0 = logHalf + logErfc((i - z0) / sqrt2Sigma);
            double logE1 = logHalf + logErfc((z0 - j) / sqrt2Sigma);
            double logS0 = logT0 + ((double) i * i - i) / twoSigma2 + logE0;
            double logS1 = logT1 + (j * j - j) / twoSigma2 + logE1;
            logA0 = logAdd(logA0, logS0);
            logA1 = logAdd(logA1, logS1);
            double total = logAdd(logA0, logA1);
            if (logS0 < lastS0 && logS1 < lastS1 && Math.max(logS0, logS1) < total - 30) {
                return total;
            }
            lastS0 = logS0;
            lastS1 = logS1;
        }
        // Not converged: like dp_accounting, report +∞ so the conversion ignores this order.
        return Double.POSITIVE_INFINITY;
    }

    private static void validate(double q, double sigma) {
        if (!(q >= 0 && q <= 1)) {
            throw new IllegalArgumentException("sampling rate must be in [0, 1], got " + q);
        }
        if (!(sigma >= 0) || Double.isInfinite(sigma)) {
            throw new IllegalArgumentException("noise multiplier must be finite and >= 0, got " + sigma);
        }
    }
}
