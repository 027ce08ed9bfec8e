package org.cohort.privacy.noise;

import java.math.BigInteger;

/**
 * Exact sampler for the discrete Laplace distribution on ℤ with rational scale t/s:
 * P[Y = y] ∝ exp(-|y|·s/t) (Canonne, Kamath, Steinke 2020, Algorithm 2). Used on its own and
 * as the proposal of {@link DiscreteGaussianSampler}.
 */
public final class DiscreteLaplaceSampler {

    private final BigInteger s;
    private final BigInteger t;
    private final RandomSource random;

    /** Scale t/s with positive integers s and t. */
    public DiscreteLaplaceSampler(BigInteger s, BigInteger t, RandomSource random) {
        if (s.signum() <= 0 || t.signum() <= 0) {
            throw new IllegalArgumentException("scale t/s needs positive integers, got t=" + t + ", s=" + s);
        }
        this.s = s;
        this.t = t;
        this.random = random;
    }

    public static DiscreteLaplaceSampler withScale(Rational scale, RandomSource random) {
        return new DiscreteLaplaceSampler(scale.denominator(), scale.numerator(), random);
    }

    public long sample() {
        return sample(s, t, random);
    }

    static long sample(BigInteger s, BigInteger t, RandomSource random) {
        if (s.bitLength() < Long.SIZE - 1 && t.bitLength() < Long.SIZE - 1) {
            return sample(s.longValueExact(), t.longValueExact(), random);
        }
        while (true) {
            // X = U + t·V is geometric with parameter 1 - exp(-1/t): U uniform in [0, t) accepted
            // with probability exp(-U/t), V geometric with parameter 1 - exp(-1).
            BigInteger u = random.nextBigInteger(t);
            if (!ExactBernoulli.bernoulliExpMinusAtMostOne(u, t, random)) {
                continue;
            }
            long v = geometricExpMinusOne(random);
            BigInteger x = u.add(t.multiply(BigInteger.valueOf(v)));
            BigInteger y = x.divide(s);
            boolean negative = random.nextBoolean();
            if (negative && y.signum() == 0) {
                // Zero would otherwise be counted twice.
                continue;
            }
            long magnitude = y.longValueExact();
            return negative ? -magnitude : magnitude;
        }
    }

    /** The same algorithm in long arithmetic (scales below 2^63, i.e. all practical ones). */
    static long sample(long s, long t, RandomSource random) {
        while (true) {
            long u = random.nextLong(t);
            if (!ExactBernoulli.bernoulliExpMinusAtMostOne(u, t, random)) {
                continue;
            }
            long v = geometricExpMinusOne(random);
            long x = Math.addExact(u, Math.multiplyExact(t, v));
            long y = x / s;
            boolean negative = random.nextBoolean();
            if (negative && y == 0) {
                continue;
            }
            return negative ? -y : y;
        }
    }

    /** Number of successes before the first failure of Bernoulli(exp(-1)) trials. */
    private static long geometricExpMinusOne(RandomSource random) {
        long v = 0;
        while (ExactBernoulli.bernoulliExpMinusAtMostOne(1, 1, random)) {
            v++;
        }
        return v;
    }
}
