package org.cohort.privacy.noise;

import java.math.BigInteger;

/**
 * Bernoulli trials with exactly rational success probabilities, including exp(-γ) for
 * rational γ ≥ 0 (Canonne, Kamath, Steinke 2020, "The Discrete Gaussian for Differential
 * Privacy", Algorithm 1). Only integer comparisons decide outcomes, so the output
 * distribution is exact and leaks nothing through floating-point rounding.
 */
public final class ExactBernoulli {

    private ExactBernoulli() {}

    /** True with probability numerator/denominator (which must lie in [0, 1]). */
    public static boolean bernoulli(BigInteger numerator, BigInteger denominator, RandomSource random) {
        if (numerator.signum() < 0 || numerator.compareTo(denominator) > 0) {
            throw new IllegalArgumentException("probability must be in [0, 1]: " + numerator + "/" + denominator);
        }
        return random.nextBigInteger(denominator).compareTo(numerator) < 0;
    }

    /** True with probability p ∈ [0, 1]. */
    public static boolean bernoulli(Rational p, RandomSource random) {
        return bernoulli(p.numerator(), p.denominator(), random);
    }

    /** True with probability exp(-γ), γ ≥ 0. */
    public static boolean bernoulliExpMinus(Rational gamma, RandomSource random) {
        return bernoulliExpMinus(gamma.numerator(), gamma.denominator(), random);
    }

    /** True with probability exp(-n/d) for integers n ≥ 0, d > 0 (need not be in lowest terms). */
    public static boolean bernoulliExpMinus(BigInteger n, BigInteger d, RandomSource random) {
        if (n.signum() < 0 || d.signum() <= 0) {
            throw new IllegalArgumentException("need n >= 0 and d > 0, got " + n + "/" + d);
        }
        if (n.bitLength() < Long.SIZE - 1 && d.bitLength() < Long.SIZE - 1) {
            return bernoulliExpMinus(n.longValueExact(), d.longValueExact(), random);
        }
        BigInteger[] wholeAndRest = n.divideAndRemainder(d);
        // exp(-γ) = exp(-1)^⌊γ⌋ · exp(-(γ - ⌊γ⌋)): independent trials, all must succeed.
        for (BigInteger k = BigInteger.ZERO; k.compareTo(wholeAndRest[0]) < 0; k = k.add(BigInteger.ONE)) {
            if (!bernoulliExpMinusAtMostOne(1, 1, random)) {
                return false;
            }
        }
        return bernoulliExpMinusAtMostOne(wholeAndRest[1], d, random);
    }

    /** True with probability exp(-n/d) for longs n ≥ 0, d > 0. */
    public static boolean bernoulliExpMinus(long n, long d, RandomSource random) {
        if (n < 0 || d <= 0) {
            throw new IllegalArgumentException("need n >= 0 and d > 0, got " + n + "/" + d);
        }
        long whole = n / d;
        for (long k = 0; k < whole; k++) {
            if (!bernoulliExpMinusAtMostOne(1, 1, random)) {
                return false;
            }
        }
        return bernoulliExpMinusAtMostOne(n % d, d, random);
    }

    /**
     * exp(-n/d) for 0 ≤ n/d ≤ 1: draw A_k ~ Bernoulli(γ/k) for k = 1, 2, … until one fails; the
     * index of the first failure is odd with probability exactly exp(-γ) (a von Neumann-style
     * series trick, CKS20 Alg. 1).
     */
    static boolean bernoulliExpMinusAtMostOne(BigInteger n, BigInteger d, RandomSource random) {
        if (d.bitLength() < Long.SIZE - 1) {
            return bernoulliExpMinusAtMostOne(n.longValueExact(), d.longValueExact(), random);
        }
        return bernoulliExpMinusAtMostOne(n, d, 1, random);
    }

    /** Same as the BigInteger form; stays in long arithmetic while d·k fits (the usual case). */
    static boolean bernoulliExpMinusAtMostOne(long n, long d, RandomSource random) {
        long k = 1;
        while (true) {
            long dk = d * k;
            if (Math.multiplyHigh(d, k) != 0 || dk < 0) {
                return bernoulliExpMinusAtMostOne(BigInteger.valueOf(n), BigInteger.valueOf(d), k, random);
            }
            if (random.nextLong(dk) >= n) {
                return (k & 1) == 1;
            }
            k++;
        }
    }

    private static boolean bernoulliExpMinusAtMostOne(BigInteger n, BigInteger d, long firstK, RandomSource random) {
        long k = firstK;
        while (bernoulli(n, d.multiply(BigInteger.valueOf(k)), random)) {
            k++;
        }
        return (k & 1) == 1;
    }
}
