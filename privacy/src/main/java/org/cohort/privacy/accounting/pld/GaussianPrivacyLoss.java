package org.cohort.privacy.accounting.pld;

import static org.cohort.privacy.math.LogMath.logAExpBPlusC;
import static org.cohort.privacy.math.LogMath.logAdd;
import static org.cohort.privacy.math.LogMath.logNormalCdf;
import static org.cohort.privacy.math.LogMath.normalCdf;
import static org.cohort.privacy.math.LogMath.normalQuantile;

/**
 * Privacy loss of the (Poisson-subsampled) Gaussian mechanism with L2 sensitivity 1, for one
 * adjacency direction: the loss as a function of the output x, its inverse, and the exact
 * hockey-stick divergence δ(ε) that the connect-the-dots discretisation is built from.
 *
 * <p>Follows dp_accounting's {@code GaussianPrivacyLoss}. With sampling rate q and noise N(0,σ²):
 * REMOVE compares (1-q)·N(0) + q·N(-1) against N(0); ADD compares N(0) against
 * (1-q)·N(0) + q·N(1). The loss is decreasing in x in both cases.
 */
final class GaussianPrivacyLoss {

    /**
     * ln of the noise mass dropped in the two tails when bounding the support (dp_accounting's
     * default {@code log_mass_truncation_bound}); the dropped mass is charged pessimistically.
     */
    static final double LOG_MASS_TRUNCATION_BOUND = -50;

    private final double sigma;
    private final double q;
    private final Adjacency adjacency;

    GaussianPrivacyLoss(double sigma, double samplingRate, Adjacency adjacency) {
        if (!(sigma > 0) || Double.isInfinite(sigma)) {
            throw new IllegalArgumentException("standard deviation must be positive and finite: " + sigma);
        }
        if (!(samplingRate > 0 && samplingRate <= 1)) {
            throw new IllegalArgumentException("sampling rate must be in (0, 1]: " + samplingRate);
        }
        this.sigma = sigma;
        this.q = samplingRate;
        this.adjacency = adjacency;
    }

    private double lossWithoutSampling(double x) {
        double s2 = sigma * sigma;
        return adjacency == Adjacency.ADD ? (0.5 - x) / s2 : (-0.5 - x) / s2;
    }

    private double inverseLossWithoutSampling(double loss) {
        double s2 = sigma * sigma;
        return adjacency == Adjacency.ADD ? 0.5 - loss * s2 : -0.5 - loss * s2;
    }

    double privacyLoss(double x) {
        double w = lossWithoutSampling(x);
        if (q == 1.0) {
            return w;
        }
        return adjacency == Adjacency.ADD ? -logAExpBPlusC(q, -w, 1 - q) : logAExpBPlusC(q, w, 1 - q);
    }

    /** Largest x whose privacy loss is at least {@code loss}. */
    double inversePrivacyLoss(double loss) {
        if (q == 1.0) {
            return inverseLossWithoutSampling(loss);
        }
        if (adjacency == Adjacency.ADD) {
            double limit = -Math.log(1 - q);
            if (isClose(loss, limit)) {
                return inverseLossWithoutSampling(Double.POSITIVE_INFINITY);
            }
            if (loss > limit) {
                throw new IllegalArgumentException("privacy loss " + loss + " exceeds -log(1-q) = " + limit);
            }
            return inverseLossWithoutSampling(-logAExpBPlusC(1 / q, -loss, 1 - 1 / q));
        }
        double limit = Math.log(1 - q);
        if (isClose(loss, limit)) {
            return inverseLossWithoutSampling(Double.NEGATIVE_INFINITY);
        }
        if (loss <= limit) {
            throw new IllegalArgumentException("privacy loss " + loss + " is below log(1-q) = " + limit);
        }
        return inverseLossWithoutSampling(logAExpBPlusC(1 / q, loss, 1 - 1 / q));
    }

    private double upperCdf(double x) {
        if (adjacency == Adjacency.ADD) {
            return normalCdf(x / sigma);
        }
        if (q == 1.0) {
            return normalCdf((x + 1) / sigma);
        }
        return (1 - q) * normalCdf(x / sigma) + q * normalCdf((x + 1) / sigma);
    }

    private double lowerLogCdf(double x) {
        if (adjacency == Adjacency.REMOVE) {
            return logNormalCdf(x / sigma);
        }
        if (q == 1.0) {
            return logNormalCdf((x - 1) / sigma);
        }
        return logAdd(Math.log1p(-q) + logNormalCdf(x / sigma), Math.log(q) + logNormalCdf((x - 1) / sigma));
    }

    /** Exact ε-hockey-stick divergence of the mechanism: the δ at which it is (ε, δ)-DP. */
    double deltaForEpsilon(double epsilon) {
        double delta;
        boolean useInverse;
        if (q == 1.0) {
            useInverse = true;
        } else if (adjacency == Adjacency.ADD) {
            // Above -log(1-q) the lower density times e^ε dominates everywhere.
            useInverse = epsilon < -Math.log1p(-q);
        } else {
            useInverse = epsilon > Math.log1p(-q);
        }
        if (useInverse) {
            double x = inversePrivacyLoss(epsilon);
            delta = upperCdf(x) - Math.exp(epsilon + lowerLogCdf(x));
        } else {
            delta = adjacency == Adjacency.REMOVE ? -Math.expm1(epsilon) : 0;
        }
        return Math.min(1, Math.max(0, delta));
    }

    /** [lowest, highest] finite privacy loss kept after truncating the noise tails. */
    double[] epsilonRange() {
        double lowerX = sigma * normalQuantile(0.5 * Math.exp(LOG_MASS_TRUNCATION_BOUND));
        double upperX = -lowerX;
        if (adjacency == Adjacency.ADD) {
            upperX += 1;
        } else {
            lowerX -= 1;
        }
        return new double[] {privacyLoss(upperX), privacyLoss(lowerX)};
    }

    /** Python's math.isclose with its default relative tolerance. */
    private static boolean isClose(double a, double b) {
        return a == b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
    }
}
