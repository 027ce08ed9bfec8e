package org.cohort.cli;

import java.math.BigDecimal;
import java.util.Locale;

/** Privacy numbers worded for people, exactly as the coordinator words them. */
final class Numbers {
    private Numbers() {}

    /** ε with three decimals, "∞" when unbounded. */
    static String epsilon(double eps) {
        if (Double.isNaN(eps)) {
            return "NaN";
        }
        if (Double.isInfinite(eps)) {
            return "∞";
        }
        return eps >= 1000 ? String.format(Locale.ROOT, "%.4g", eps) : String.format(Locale.ROOT, "%.3f", eps);
    }

    /** "1e-5", "2.5e-7"; plain for values ≥ 0.001. */
    static String delta(double x) {
        if (x == 0 || !Double.isFinite(x) || Math.abs(x) >= 1e-3) {
            return plain(x);
        }
        BigDecimal d = new BigDecimal(Double.toString(x)).stripTrailingZeros();
        int exponent = d.precision() - d.scale() - 1;
        return d.movePointRight(-exponent).stripTrailingZeros().toPlainString() + "e" + exponent;
    }

    /** Shortest decimal that reads back as the same double. */
    static String plain(double x) {
        if (Double.isNaN(x)) {
            return "NaN";
        }
        if (Double.isInfinite(x)) {
            return x > 0 ? "∞" : "-∞";
        }
        String s = new BigDecimal(Double.toString(x)).stripTrailingZeros().toPlainString();
        return s.equals("-0") ? "0" : s;
    }

    /** e^ε with two decimals. */
    static String factor(double eps) {
        if (!Double.isFinite(eps) || eps > 700) {
            return "unbounded";
        }
        double f = Math.exp(eps);
        return f >= 1000 ? String.format(Locale.ROOT, "%.3g", f) : String.format(Locale.ROOT, "%.2f", f);
    }
}
