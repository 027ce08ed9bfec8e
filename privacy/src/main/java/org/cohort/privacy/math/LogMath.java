package org.cohort.privacy.math;

import org.apache.commons.math3.special.Erf;
import org.apache.commons.math3.special.Gamma;

/**
 * Numerically stable arithmetic on logarithms, and the special functions the accountants need
 * (log-erfc, normal log-CDF, log |Γ|), accurate far into the tails where the plain functions
 * underflow.
 */
public final class LogMath {

    private static final double LOG_PI = Math.log(Math.PI);
    private static final double HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
    private static final double SQRT1_2 = Math.sqrt(0.5);

    /**
     * Beyond this argument erfc(x) is below 1e-300 and soon underflows; the asymptotic series
     * is then accurate to well under 1e-14 (its first dropped term is of order x^-10).
     */
    private static final double LOG_ERFC_ASYMPTOTIC_FROM = 26.0;

    private LogMath() {}

    /** log(exp(a) + exp(b)); -∞ stands for zero. */
    public static double logAdd(double a, double b) {
        double lo = Math.min(a, b);
        double hi = Math.max(a, b);
        if (lo == Double.NEGATIVE_INFINITY) {
            return hi;
        }
        if (hi == Double.POSITIVE_INFINITY) {
            return hi;
        }
        return Math.log1p(Math.exp(lo - hi)) + hi;
    }

    /** log(exp(a) - exp(b)) for a ≥ b; -∞ when they are equal. */
    public static double logSub(double a, double b) {
        if (b > a) {
            throw new IllegalArgumentException("log-space subtraction needs a >= b, got a=" + a + ", b=" + b);
        }
        if (a == b) {
            return Double.NEGATIVE_INFINITY;
        }
        if (b == Double.NEGATIVE_INFINITY) {
            return a;
        }
        return a + Math.log1p(-Math.exp(b - a));
    }

    /** log(a·exp(b) + c), the form privacy losses of subsampled mechanisms take. */
    public static double logAExpBPlusC(double a, double b, double c) {
        if (a == 0) {
            return Math.log(c);
        }
        if (a < 0) {
            if (c <= 0) {
                throw new IllegalArgumentException("a*exp(b)+c must be positive: a=" + a + ", b=" + b + ", c=" + c);
            }
            return logSub(Math.log(c), Math.log(-a) + b);
        }
        if (b == 0) {
            return Math.log(a + c);
        }
        double d = b + Math.log(a);
        if (c == 0) {
            return d;
        } else if (c < 0) {
            return logSub(d, Math.log(-c));
        } else {
            return logAdd(d, Math.log(c));
        }
    }

    /** erfc(x) with about 1e-13 relative accuracy; 0 below the double range. */
    public static double erfc(double x) {
        return Erf.erfc(x);
    }

    /** log(erfc(x)), finite for every finite x (the tail uses the asymptotic expansion). */
    public static double logErfc(double x) {
        if (x < LOG_ERFC_ASYMPTOTIC_FROM) {
            return Math.log(Erf.erfc(x));
        }
        // Laurent series of log(erfc(x)) + log(x) + log(pi)/2 + x^2 at infinity.
        double x2 = 1.0 / (x * x);
        double series = x2 * (-0.5 + x2 * (0.625 + x2 * (-37.0 / 24.0 + x2 * (353.0 / 64.0))));
        return -0.5 * LOG_PI - Math.log(x) - x * x + series;
    }

    /** Standard normal CDF Φ(x), computed the way Cephes/SciPy's ndtr does. */
    public static double normalCdf(double x) {
        double t = x * SQRT1_2;
        double z = Math.abs(t);
        if (z < SQRT1_2) {
            return 0.5 + 0.5 * Erf.erf(t);
        }
        double y = 0.5 * Erf.erfc(z);
        return t > 0 ? 1.0 - y : y;
    }

    /** log Φ(x), accurate in both tails (SciPy's log_ndtr scheme). */
    public static double logNormalCdf(double x) {
        if (x > 6) {
            // log(1 - Φ(-x)) with Φ(-x) tiny.
            return Math.log1p(-normalCdf(-x));
        }
        if (x > -20) {
            return Math.log(normalCdf(x));
        }
        // Asymptotic series: Φ(x) ~ φ(x)/(-x) · (1 - 1/x² + 3/x⁴ - 15/x⁶ + ...).
        double logLhs = -0.5 * x * x - Math.log(-x) - HALF_LOG_2PI;
        double denomCons = 1.0 / (x * x);
        double rhs = 1;
        double last = 0;
        double numerator = 1;
        double denomFactor = 1;
        int sign = 1;
        for (int i = 1; Math.abs(last - rhs) > Math.ulp(1.0) && i < 50; i++) {
            last = rhs;
            sign = -sign;
            denomFactor *= denomCons;
            numerator *= 2 * i - 1;
            rhs += sign * numerator * denomFactor;
        }
        return logLhs + Math.log(rhs);
    }

    /**
     * Inverse of Φ for p in (0, 1), polished with Newton steps on log Φ so that tiny tail
     * probabilities (1e-23 and below) keep full relative accuracy.
     */
    public static double normalQuantile(double p) {
        if (!(p > 0 && p < 1)) {
            throw new IllegalArgumentException("probability must be in (0, 1): " + p);
        }
        double x = Math.sqrt(2) * Erf.erfInv(2 * p - 1);
        if (!Double.isFinite(x)) {
            x = p < 0.5 ? -Math.sqrt(-2 * Math.log(p)) : Math.sqrt(-2 * Math.log1p(-p));
        }
        double logP = Math.log(p);
        for (int i = 0; i < 8; i++) {
            double logCdf = logNormalCdf(x);
            // d/dx log Φ(x) = φ(x)/Φ(x) = exp(log φ(x) - log Φ(x)).
            double slope = Math.exp(-0.5 * x * x - HALF_LOG_2PI - logCdf);
            double step = (logCdf - logP) / slope;
            x -= step;
            if (Math.abs(step) <= 1e-15 * Math.max(1, Math.abs(x))) {
                break;
            }
        }
        return x;
    }

    /**
     * log |Γ(x)| for any real x that is not a non-positive integer (SciPy's gammaln): the
     * fractional-order RDP series needs binomial coefficients with negative arguments.
     */
    public static double logAbsGamma(double x) {
        if (x > 0) {
            return Gamma.logGamma(x);
        }
        if (x == Math.rint(x)) {
            return Double.POSITIVE_INFINITY;
        }
        // Reflection: Γ(x)Γ(1-x) = π / sin(πx).
        double sinPiX = Math.abs(Math.sin(Math.PI * reduceHalfPeriod(x)));
        return LOG_PI - Math.log(sinPiX) - Gamma.logGamma(1 - x);
    }

    /** log |C(n, k)| via log |Γ|, defined for real n and k (as in the reference accountants). */
    public static double logBinomial(double n, double k) {
        return logAbsGamma(n + 1) - logAbsGamma(k + 1) - logAbsGamma(n - k + 1);
    }

    /** x - 2·round(x/2): same |sin(πx)| with a small argument, so no precision is lost. */
    private static double reduceHalfPeriod(double x) {
        return x - 2 * Math.rint(x / 2);
    }
}
