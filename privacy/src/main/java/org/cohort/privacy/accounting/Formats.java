package org.cohort.privacy.accounting;

import java.math.BigDecimal;
import java.util.Locale;

/** Number wording for people: short, locale-independent, and exact for inputs. */
final class Formats {

  private Formats() {}

  /** Shortest decimal that reads back as the same double, without a trailing ".0". */
  static String plain(double x) {
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

  /** δ-style wording: "1e-5", "2.5e-7"; plain for values ≥ 0.001. */
  static String scientific(double x) {
    if (x == 0 || Double.isNaN(x) || Double.isInfinite(x) || Math.abs(x) >= 1e-3) {
      return plain(x);
    }
    BigDecimal d = new BigDecimal(Double.toString(x)).stripTrailingZeros();
    int exponent = d.precision() - d.scale() - 1;
    BigDecimal mantissa = d.movePointRight(-exponent).stripTrailingZeros();
    return mantissa.toPlainString() + "e" + exponent;
  }

  /** ε wording: three decimals, "∞" when unbounded. */
  static String epsilon(double eps) {
    if (Double.isInfinite(eps)) {
      return "∞";
    }
    if (eps >= 1000) {
      return String.format(Locale.ROOT, "%.4g", eps);
    }
    return String.format(Locale.ROOT, "%.3f", eps);
  }
}
