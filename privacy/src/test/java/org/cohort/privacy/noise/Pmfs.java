package org.cohort.privacy.noise;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.LongToDoubleFunction;
import org.apache.commons.math3.stat.inference.ChiSquareTest;

/** Chi-square goodness of fit of integer samples against an exact pmf. */
final class Pmfs {
    private Pmfs() {}

    /**
     * Bins every integer whose expected count is at least 20 and lumps the rest into two tail
     * bins; returns the p-value.
     */
    static double chiSquarePValue(long[] samples, LongToDoubleFunction pmf) {
        int n = samples.length;
        long half = 0;
        while (pmf.applyAsDouble(half + 1) * n >= 20) {
            half++;
        }
        int bins = (int) (2 * half + 3);
        double[] expected = new double[bins];
        long[] observed = new long[bins];
        double inner = 0;
        for (long y = -half; y <= half; y++) {
            double p = pmf.applyAsDouble(y);
            expected[(int) (y + half + 1)] = p * n;
            inner += p;
        }
        double tail = Math.max(0, 1 - inner) / 2;
        expected[0] = tail * n;
        expected[bins - 1] = tail * n;
        for (long s : samples) {
            if (s < -half) {
                observed[0]++;
            } else if (s > half) {
                observed[bins - 1]++;
            } else {
                observed[(int) (s + half + 1)]++;
            }
        }
        if (expected[0] < 1e-9) {
            // No tail mass to speak of: drop the two tail bins (they must then be empty).
            assertThat(observed[0] + observed[bins - 1]).isZero();
            double[] e = new double[bins - 2];
            long[] o = new long[bins - 2];
            System.arraycopy(expected, 1, e, 0, bins - 2);
            System.arraycopy(observed, 1, o, 0, bins - 2);
            return new ChiSquareTest().chiSquareTest(e, o);
        }
        return new ChiSquareTest().chiSquareTest(expected, observed);
    }

    /** Exact discrete Gaussian pmf, normalised over ±(60σ + 10). */
    static LongToDoubleFunction discreteGaussian(double sigma) {
        long k = (long) (60 * sigma) + 10;
        double z = 0;
        for (long y = -k; y <= k; y++) {
            z += Math.exp(-(double) y * y / (2 * sigma * sigma));
        }
        double norm = z;
        return y -> Math.exp(-(double) y * y / (2 * sigma * sigma)) / norm;
    }

    static double variance(LongToDoubleFunction pmf, double sigma) {
        long k = (long) (60 * sigma) + 10;
        double v = 0;
        for (long y = -k; y <= k; y++) {
            v += (double) y * y * pmf.applyAsDouble(y);
        }
        return v;
    }
}
