package org.cohort.privacy.noise;

import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * An exact non-negative rational number n/d in lowest terms. Sampler parameters are kept
 * rational so that acceptance tests compare integers, never rounded floating-point values.
 */
public record Rational(BigInteger numerator, BigInteger denominator) implements Comparable<Rational> {

    public static final Rational ZERO = new Rational(BigInteger.ZERO, BigInteger.ONE);
    public static final Rational ONE = new Rational(BigInteger.ONE, BigInteger.ONE);

    public Rational {
        if (denominator.signum() <= 0) {
            throw new IllegalArgumentException("denominator must be positive: " + denominator);
        }
        if (numerator.signum() < 0) {
            throw new IllegalArgumentException("only non-negative rationals are used here: " + numerator);
        }
        BigInteger g = numerator.gcd(denominator);
        if (!g.equals(BigInteger.ONE) && g.signum() != 0) {
            numerator = numerator.divide(g);
            denominator = denominator.divide(g);
        } else if (numerator.signum() == 0) {
            denominator = BigInteger.ONE;
        }
    }

    public static Rational of(long numerator, long denominator) {
        return new Rational(BigInteger.valueOf(numerator), BigInteger.valueOf(denominator));
    }

    public static Rational of(BigInteger numerator, BigInteger denominator) {
        return new Rational(numerator, denominator);
    }

    /**
     * The exact value of a finite double (every double is a dyadic rational), with no decimal
     * rounding: 0.1 becomes 3602879701896397/36028797018963968.
     */
    public static Rational exact(double x) {
        if (!Double.isFinite(x) || x < 0) {
            throw new IllegalArgumentException("expected a finite non-negative value, got " + x);
        }
        BigDecimal d = new BigDecimal(x);
        if (d.scale() <= 0) {
            return new Rational(d.toBigIntegerExact(), BigInteger.ONE);
        }
        return new Rational(d.unscaledValue(), BigInteger.TEN.pow(d.scale()));
    }

    public Rational multiply(Rational o) {
        return new Rational(numerator.multiply(o.numerator), denominator.multiply(o.denominator));
    }

    public Rational multiply(BigInteger k) {
        return new Rational(numerator.multiply(k), denominator);
    }

    /** this - o, which must not be negative. */
    public Rational subtract(Rational o) {
        return new Rational(
                numerator.multiply(o.denominator).subtract(o.numerator.multiply(denominator)),
                denominator.multiply(o.denominator));
    }

    /** this / k for a positive integer k. */
    public Rational divide(BigInteger k) {
        return new Rational(numerator, denominator.multiply(k));
    }

    /** ⌊this⌋. */
    public BigInteger floor() {
        return numerator.divide(denominator);
    }

    /** ⌊√this⌋, exactly: ⌊√(n/d)⌋ = ⌊√⌊n/d⌋⌋. */
    public BigInteger floorSqrt() {
        return floor().sqrt();
    }

    /** this - ⌊this⌋, in [0, 1). */
    public Rational fractionalPart() {
        return new Rational(numerator.mod(denominator), denominator);
    }

    public boolean isZero() {
        return numerator.signum() == 0;
    }

    public double doubleValue() {
        return new BigDecimal(numerator)
                .divide(new BigDecimal(denominator), java.math.MathContext.DECIMAL64)
                .doubleValue();
    }

    @Override
    public int compareTo(Rational o) {
        return numerator.multiply(o.denominator).compareTo(o.numerator.multiply(denominator));
    }

    @Override
    public String toString() {
        return numerator + "/" + denominator;
    }
}
