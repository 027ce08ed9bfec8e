package org.cohort.privacy.accounting;

import java.math.BigDecimal;
import java.util.Locale;

/**
 * Privacy numbers worded for people: short, locale-independent, and exact where they are inputs.
 * One wording for the whole project (the accountants' descriptions, the coordinator's reports and
 * statements, the CLI), so that the same ε or δ reads the same wherever it is shown, and a number
 * copied from one place can be searched for in another.
 */
public final class PrivacyNumbers {

    private PrivacyNumbers() {}

    /** ε with three decimals ("0.842"), four significant digits from 1000 on, "∞" when unbounded. */
    public static String epsilon(double eps) {
        if (Double.isNaN(eps)) {
            return "NaN";
        }
        if (Double.isInfinite(eps)) {
            return "∞";
        }
        return eps >= 1000 ? String.format(Locale.ROOT, "%.4g", eps) : String.format(Locale.ROOT, "%.3f", eps);
    }

    /** δ and other small numbers: "1e-5", "2.5e-7"; plain for values ≥ 0.001. */
    public static String delta(double x) {
        if (x == 0 || !Double.isFinite(x) || Math.abs(x) >= 1e-3) {
            return plain(x);
        }
        BigDecimal d = new BigDecimal(Double.toString(x)).stripTrailingZeros();
        int exponent = d.precision() - d.scale() - 1;
        BigDecimal mantissa = d.movePointRight(-exponent).stripTrailingZeros();
        return mantissa.toPlainString() + "e" + exponent;
    }

    /** The shortest decimal that reads back as the same double ("0.01", "1.1", "2"), for inputs. */
    public static String plain(double x) {
        if (Double.isNaN(x)) {
            return "NaN";
        }
        if (Double.isInfinite(x)) {
            return x > 0 ? "∞" : "-∞";
        }
        // Double.toString gives the shortest round-tripping digits; BigDecimal removes the exponent.
        String s = new BigDecimal(Double.toString(x)).stripTrailingZeros().toPlainString();
        return s.equals("-0") ? "0" : s;
    }

    /** e^ε, the factor by which any outcome's probability can change, with two decimals. */
    public static String factor(double eps) {
        if (!Double.isFinite(eps) || eps > 700) {
            return "unbounded";
        }
        double f = Math.exp(eps);
        return f >= 1000 ? String.format(Locale.ROOT, "%.3g", f) : String.format(Locale.ROOT, "%.2f", f);
    }
}
