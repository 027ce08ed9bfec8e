package org.cohort.privacy.noise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.math.BigInteger;
import java.util.function.LongToDoubleFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DiscreteGaussianSamplerTest {

    private static final int N = 60_000;

    @ParameterizedTest
    @CsvSource({"9, 1, 3.0", "1, 4, 0.5", "49, 2, 4.949747468305833", "200, 1, 14.142135623730951"})
    void discreteGaussianMatchesPmf(long num, long den, double sigma) {
        DiscreteGaussianSampler sampler =
                new DiscreteGaussianSampler(Rational.of(num, den), new SeededSource(num * 31 + den));
        long[] samples = new long[N];
        sampler.sample(samples);
        LongToDoubleFunction pmf = Pmfs.discreteGaussian(sigma);
        assertThat(Pmfs.chiSquarePValue(samples, pmf)).isGreaterThan(1e-3);

        double mean = 0;
        for (long s : samples) {
            mean += s;
        }
        mean /= N;
        double variance = 0;
        for (long s : samples) {
            variance += (s - mean) * (s - mean);
        }
        variance /= N - 1;
        double exactVariance = Pmfs.variance(pmf, sigma);
        assertThat(mean).isCloseTo(0, within(5 * Math.sqrt(exactVariance / N)));
        // Var of the sample variance ≈ 2σ⁴/N for a near-Gaussian distribution.
        assertThat(variance).isCloseTo(exactVariance, within(5 * Math.sqrt(2.0 / N) * exactVariance + 1e-9));
    }

    @Test
    void sigmaFromDoubleIsConvertedExactly() {
        DiscreteGaussianSampler sampler = DiscreteGaussianSampler.withSigma(1.7, new SeededSource(5));
        Rational s = Rational.exact(1.7);
        assertThat(sampler.sigmaSquared()).isEqualTo(s.multiply(s));
        // 1.7 is not a dyadic rational, so σ² is not 289/100 but the square of 1.7's binary value.
        assertThat(sampler.sigmaSquared()).isNotEqualTo(Rational.of(289, 100));
        long[] samples = new long[N];
        sampler.sample(samples);
        assertThat(Pmfs.chiSquarePValue(samples, Pmfs.discreteGaussian(1.7))).isGreaterThan(1e-3);
    }

    @Test
    void largeSigmaStaysUnbiased() {
        // The regime of GranularGaussianNoise: σ of 2^16 grid steps.
        DiscreteGaussianSampler sampler = DiscreteGaussianSampler.withSigma(65536, new SeededSource(99));
        int n = 20_000;
        double sum = 0;
        double sumSq = 0;
        for (int i = 0; i < n; i++) {
            double s = sampler.sample();
            sum += s;
            sumSq += s * s;
        }
        double sigma = 65536;
        assertThat(sum / n).isCloseTo(0, within(5 * sigma / Math.sqrt(n)));
        assertThat(Math.sqrt(sumSq / n)).isCloseTo(sigma, within(5 * sigma / Math.sqrt(2.0 * n)));
    }

    @Test
    void discreteLaplaceMatchesPmf() {
        // Scale t/s = 5/2.
        DiscreteLaplaceSampler sampler =
                new DiscreteLaplaceSampler(BigInteger.TWO, BigInteger.valueOf(5), new SeededSource(3));
        long[] samples = new long[N];
        for (int i = 0; i < N; i++) {
            samples[i] = sampler.sample();
        }
        double decay = Math.exp(-2.0 / 5);
        double norm = (1 - decay) / (1 + decay);
        assertThat(Pmfs.chiSquarePValue(samples, y -> norm * Math.pow(decay, Math.abs(y))))
                .isGreaterThan(1e-3);
    }

    @Test
    void rejectsZeroVariance() {
        assertThatThrownBy(() -> new DiscreteGaussianSampler(Rational.ZERO, new SeededSource(1)))
                .hasMessageContaining("positive");
        assertThatThrownBy(() -> DiscreteGaussianSampler.withSigma(Double.NaN, new SeededSource(1)))
                .hasMessageContaining("positive");
    }
}
