package org.cohort.privacy.noise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.util.SplittableRandom;
import java.util.function.LongToDoubleFunction;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.stat.inference.ChiSquareTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TabulatedDiscreteGaussianTest {

    private static final int N = 200_000;

    @ParameterizedTest
    @CsvSource({"9, 1", "1, 4", "49, 2", "200, 1", "22201, 1", "44944, 1", "1000000, 1"})
    void matchesDiscreteGaussianPmf(long num, long den) {
        double sigma = Math.sqrt((double) num / den);
        var sampler = new TabulatedDiscreteGaussian(Rational.of(num, den));
        long[] samples = new long[N];
        sampler.sample(samples, new SeededSource(num * 31 + den));
        LongToDoubleFunction pmf = Pmfs.discreteGaussian(sigma);
        assertThat(Pmfs.chiSquarePValue(samples, pmf)).isGreaterThan(1e-3);
        assertMoments(samples, sigma);
    }

    @ParameterizedTest
    @ValueSource(doubles = {150.0, 317.3, 4096.0, 65536.0, 0x1p24, 1.3e9})
    void largeSigmaMatchesGaussianBinsAndTails(double sigma) {
        var sampler = TabulatedDiscreteGaussian.withSigma(sigma);
        assertThat(sampler.tables()).isGreaterThan(1);
        long[] samples = new long[N];
        sampler.sample(samples, new SeededSource(Double.doubleToLongBits(sigma)));
        assertMoments(samples, sigma);
        // χ² over 40 bins of width σ/8 in ±2.5σ plus two tails: for σ ≥ 150 the discrete Gaussian's
        // mass of [a, b) is Φ's to within 1e-6 relative, far below what 2·10^5 samples resolve.
        NormalDistribution normal = new NormalDistribution(0, sigma);
        int bins = 40;
        long[] edges = new long[bins + 1]; // bin b holds the integers in [edges[b], edges[b+1])
        for (int b = 0; b <= bins; b++) {
            edges[b] = (long) Math.ceil((b - bins / 2) * sigma / 8);
        }
        double[] expected = new double[bins + 2];
        long[] observed = new long[bins + 2];
        for (int b = 0; b <= bins + 1; b++) {
            double lo = b == 0 ? Double.NEGATIVE_INFINITY : edges[b - 1] - 0.5;
            double hi = b == bins + 1 ? Double.POSITIVE_INFINITY : edges[b] - 0.5;
            expected[b] = (normal.cumulativeProbability(hi) - normal.cumulativeProbability(lo)) * N;
        }
        for (long s : samples) {
            int at = java.util.Arrays.binarySearch(edges, s);
            observed[at >= 0 ? at + 1 : -at - 1]++;
        }
        assertThat(new ChiSquareTest().chiSquareTest(expected, observed)).isGreaterThan(1e-3);
        // Tails: beyond 4σ (expected 6.3 per 10^5) and never beyond the tables' reach.
        long beyond4 = 0;
        for (long s : samples) {
            if (Math.abs(s) > 4 * sigma) {
                beyond4++;
            }
            assertThat(Math.abs(s)).isLessThan((long) (15 * sigma));
        }
        double expect4 = 2 * normal.cumulativeProbability(-4 * sigma) * N;
        assertThat((double) beyond4).isCloseTo(expect4, within(5 * Math.sqrt(expect4) + 1));
    }

    @Test
    void kolmogorovSmirnovAgainstTheContinuousGaussianAtLargeSigma() {
        double sigma = 0x1p24;
        var sampler = TabulatedDiscreteGaussian.withSigma(sigma);
        double[] samples = new double[N];
        long[] raw = new long[N];
        sampler.sample(raw, new SeededSource(7));
        for (int i = 0; i < N; i++) {
            samples[i] = raw[i] + 0.5 * Math.signum(0.5 - (i & 1)) * 1e-9; // break ties, no effect at this σ
        }
        double p = new org.apache.commons.math3.stat.inference.KolmogorovSmirnovTest()
                .kolmogorovSmirnovTest(new NormalDistribution(0, sigma), samples);
        assertThat(p).isGreaterThan(1e-3);
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.3, 1.0, 3.0, 100.0, 149.0, 150.0, 1e4, 0x1p24, 0x1p40})
    void totalVariationBoundIsNegligible(double sigma) {
        var sampler = TabulatedDiscreteGaussian.withSigma(sigma);
        assertThat(sampler.totalVariationBound()).isLessThan(0x1p-120).isPositive();
    }

    @Test
    void deltaIncreaseOfAYearOfDpSgdIsNegligible() {
        // 10^7 parameters, 10^6 steps: 10^13 values at ε = 10 adds about 10^-20 to δ.
        var sampler = TabulatedDiscreteGaussian.withSigma(0x1p24);
        assertThat(sampler.deltaIncrease(10_000_000L * 1_000_000L, 10))
                .isLessThan(1e-19)
                .isPositive();
        assertThat(sampler.deltaIncrease(0, 1)).isZero();
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.4, 2.2, 37.0, 149.0})
    void tableRealisesItsProbabilitiesWithinTheBound(double sigma) {
        // Rebuild the distribution the alias table implements, exactly, from its stored thresholds,
        // and compare it with the discrete Gaussian computed independently to 60 digits.
        Rational v = Rational.exact(sigma).multiply(Rational.exact(sigma));
        var table = new TabulatedDiscreteGaussian.Table(v);
        int size = table.entries.length;
        int shift = table.indexShift;
        BigInteger one = BigInteger.ONE.shiftLeft(128);
        BigInteger[] mass = new BigInteger[size]; // in units of 2^-128 / size
        java.util.Arrays.fill(mass, BigInteger.ZERO);
        for (int i = 0; i < size; i++) {
            long e = table.entries[i];
            long top = e >>> 32;
            BigInteger threshold = top == (1L << shift)
                    ? one
                    : BigInteger.valueOf(top)
                            .shiftLeft(128 - shift)
                            .add(unsigned(table.restHigh[i])
                                    .shiftLeft(64)
                                    .add(unsigned(table.restLow[i]))
                                    .shiftRight(shift));
            int alias = (int) e + table.range;
            mass[i] = mass[i].add(threshold);
            mass[alias] = mass[alias].add(one.subtract(threshold));
        }
        MathContext mc = new MathContext(60);
        BigDecimal denominator = new BigDecimal(one.multiply(BigInteger.valueOf(size)));
        double norm = 0;
        for (int y = -table.range - 50; y <= table.range + 50; y++) {
            norm += Math.exp(-(double) y * y / (2 * sigma * sigma));
        }
        double tv = 0;
        for (int i = 0; i < size; i++) {
            int y = i - table.range;
            double exact = Math.exp(-(double) y * y / (2 * sigma * sigma)) / norm;
            double realised = new BigDecimal(mass[i]).divide(denominator, mc).doubleValue();
            // doubles resolve the difference only to ~1e-16 relative (and tails below 2^-128 are
            // realised as zero): check agreement to that,
            // and that the total mass is exactly one.
            tv += Math.abs(realised - exact);
            assertThat(realised).isCloseTo(exact, within(1e-12 * exact + 0x1p-120));
        }
        BigInteger total = BigInteger.ZERO;
        for (BigInteger m : mass) {
            total = total.add(m);
        }
        assertThat(total).isEqualTo(one.multiply(BigInteger.valueOf(size)));
        assertThat(tv / 2).isLessThan(1e-12);
    }

    @Test
    void tiesAreResolvedByTheFull128BitThreshold() {
        var table = new TabulatedDiscreteGaussian.Table(Rational.of(200, 1));
        SplittableRandom pick = new SplittableRandom(3);
        int shift = table.indexShift;
        int checked = 0;
        for (int trial = 0; trial < 20_000; trial++) {
            int index = pick.nextInt(table.entries.length);
            long e = table.entries[index];
            long top = e >>> 32;
            if (top == (1L << shift)) {
                continue; // a full entry never ties
            }
            long u1 = pick.nextBoolean() ? table.restHigh[index] : pick.nextLong();
            long u2 = pick.nextLong();
            int word = (int) (((long) index << shift) | top);
            int got = table.sample(word, new Scripted(new long[] {u1, u2}));
            int c = Long.compareUnsigned(u1, table.restHigh[index]);
            boolean below = c < 0 || (c == 0 && Long.compareUnsigned(u2, table.restLow[index]) < 0);
            assertThat(got).isEqualTo(below ? index - table.range : (int) e);
            checked++;
        }
        assertThat(checked).isGreaterThan(1000);
    }

    @Test
    void addsModuloTwoToThe32() {
        var sampler = new TabulatedDiscreteGaussian(Rational.of(1L << 40, 1));
        int[] target = new int[10_000];
        java.util.Arrays.fill(target, Integer.MAX_VALUE);
        long[] expected = new long[target.length];
        sampler.sample(expected, new SeededSource(5));
        sampler.addTo(target, new SeededSource(5));
        for (int i = 0; i < target.length; i++) {
            assertThat(target[i]).isEqualTo((int) (Integer.MAX_VALUE + expected[i]));
        }
    }

    private static void assertMoments(long[] samples, double sigma) {
        double mean = 0;
        for (long s : samples) {
            mean += s;
        }
        mean /= samples.length;
        double variance = 0;
        for (long s : samples) {
            variance += (s - mean) * (s - mean);
        }
        variance /= samples.length - 1;
        double exactVariance = sigma < 200 ? Pmfs.variance(Pmfs.discreteGaussian(sigma), sigma) : sigma * sigma;
        assertThat(mean).isCloseTo(0, within(5 * Math.sqrt(exactVariance / samples.length)));
        assertThat(variance)
                .isCloseTo(exactVariance, within(5 * Math.sqrt(2.0 / samples.length) * exactVariance + 1e-9));
    }

    private static BigInteger unsigned(long x) {
        return new BigInteger(Long.toUnsignedString(x));
    }

    /** Hands out the words a test scripts, in order. */
    private static final class Scripted implements RandomSource {
        private final long[] words;
        private int at;

        Scripted(long[] words) {
            this.words = words;
        }

        @Override
        public long nextLongBits() {
            return words[at++];
        }
    }
}
