package org.cohort.privacy.noise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.math.BigInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ExactBernoulliTest {

    private static final int N = 200_000;

    @ParameterizedTest
    @CsvSource({"0, 1", "1, 3", "1, 1", "7, 4", "5, 1", "1000001, 1000000"})
    void bernoulliExpMinusHasProbabilityExpMinusGamma(long num, long den) {
        RandomSource random = new SeededSource(num * 7919 + den);
        Rational gamma = Rational.of(num, den);
        int hits = 0;
        for (int i = 0; i < N; i++) {
            if (ExactBernoulli.bernoulliExpMinus(gamma, random)) {
                hits++;
            }
        }
        double p = Math.exp(-(double) num / den);
        // Deterministic seed: a 5-standard-error band is a fixed check, not a coin flip.
        assertThat((double) hits / N).isCloseTo(p, within(5 * Math.sqrt(p * (1 - p) / N) + 1e-12));
    }

    @ParameterizedTest
    @CsvSource({"1, 2", "1, 3", "2, 7", "0, 5", "5, 5"})
    void rationalBernoulliIsExact(long num, long den) {
        RandomSource random = new SeededSource(num + 13 * den);
        int hits = 0;
        for (int i = 0; i < N; i++) {
            if (ExactBernoulli.bernoulli(BigInteger.valueOf(num), BigInteger.valueOf(den), random)) {
                hits++;
            }
        }
        double p = (double) num / den;
        assertThat((double) hits / N).isCloseTo(p, within(5 * Math.sqrt(p * (1 - p) / N) + 1e-12));
    }
}
