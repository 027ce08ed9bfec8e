package org.cohort.privacy.accounting.rdp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SampledGaussianRdpTest {

    // google/differential-privacy python/dp_accounting/dp_accounting/rdp/rdp_privacy_accountant_test.py
    // test_compute_rdp_poisson_sampled_gaussian (rtol 1e-4 there); tensorflow/privacy
    // rdp_accountant_test.py test_compute_rdp_sequence gives the same numbers to 1e-5.
    @Test
    void matchesDpAccountingAtIntegerFractionalAndInfiniteOrders() {
        double[] orders = {1.5, 2.5, 5, 50, 100, Double.POSITIVE_INFINITY};
        double[] rdp = SampledGaussianRdp.rdp(0.01, 2.5, 50, orders);
        double[] expected = {6.70579741e-04, 1.08548710e-03, 2.18075656e-03, 2.38460375e-02, 1.67416308e02};
        for (int i = 0; i < expected.length; i++) {
            assertThat(rdp[i]).as("order %s", orders[i]).isCloseTo(expected[i], within(1e-4 * expected[i]));
        }
        assertThat(rdp[5]).isInfinite();
    }

    // tensorflow/privacy rdp_accountant_test.py test_compute_rdp_scalar: 0.07737 to 5 places.
    @Test
    void matchesTfPrivacyScalarExample() {
        assertThat(SampledGaussianRdp.rdp(0.1, 2, 10, new double[] {5})[0]).isCloseTo(0.07737, within(5e-6));
    }

    // tensorflow/privacy rdp_accountant_test.py test_compute_rdp_no_data / _no_sampling.
    @Test
    void samplingRateZeroCostsNothingAndOneIsThePlainGaussian() {
        assertThat(SampledGaussianRdp.rdp(0, 10, 20)).isZero();
        assertThat(SampledGaussianRdp.rdp(1, 10, 20)).isEqualTo(0.1);
        assertThat(SampledGaussianRdp.rdp(0, 0, Double.POSITIVE_INFINITY)).isZero();
    }

    @Test
    void zeroNoiseOrInfiniteOrderIsInfinite() {
        assertThat(SampledGaussianRdp.rdp(0.1, 0, 2)).isInfinite();
        assertThat(SampledGaussianRdp.rdp(0.1, 1, Double.POSITIVE_INFINITY)).isInfinite();
        assertThat(SampledGaussianRdp.rdp(1, 1, Double.POSITIVE_INFINITY)).isInfinite();
    }

    /**
     * log(A_α) against A_α integrated numerically with mpmath (40 digits), for the parameters of
     * dp_accounting rdp_privacy_accountant_test.py / tensorflow/privacy rdp_accountant_test.py
     * test_compute_log_a_equals_mp, with that test's tolerance (rtol 1e-4, atol 1e-8).
     */
    @ParameterizedTest
    @CsvSource({
        "1e-7, 0.1, 1.01, 4.003412327842531e-08",
        "1e-6, 0.1, 256, 3260234.5099259755",
        "1e-5, 0.1, 256.1, 3263356.2822869574",
        "1e-6, 1, 27, 8.769503540806863e-10",
        "1e-4, 1.0, 1.5, 6.442686970363956e-09",
        "1e-3, 1.0, 2, 1.7182803522127806e-06",
        "0.01, 10, 20, 0.00019129699912825616",
        "0.1, 100, 20.5, 0.00019991818458125194",
        "0.99, 0.1, 256, 3263768.707742836",
        "0.999, 100, 256.1, 3.260108037973113"
    })
    void logAMatchesMultiPrecisionIntegral(double q, double sigma, double order, double logAMp) {
        double logA = SampledGaussianRdp.logA(q, sigma, order);
        assertThat(Math.abs(logA - logAMp)).isLessThanOrEqualTo(1e-8 + 1e-4 * Math.abs(logAMp));
    }

    @Test
    void fractionalSeriesJoinsTheIntegerSeriesContinuously() {
        SplittableRandom random = new SplittableRandom(7);
        for (int trial = 0; trial < 40; trial++) {
            double q = Math.pow(10, -4 * random.nextDouble());
            double sigma = 0.5 + 4 * random.nextDouble();
            int alpha = 2 + random.nextInt(30);
            double atInteger = SampledGaussianRdp.rdp(q, sigma, alpha);
            double justAbove = SampledGaussianRdp.rdp(q, sigma, alpha + 1e-9);
            assertThat(justAbove)
                    .as("q=%s sigma=%s alpha=%s", q, sigma, alpha)
                    .isCloseTo(atInteger, within(1e-6 * atInteger + 1e-12));
        }
    }

    @Test
    void rdpGrowsWithOrderAndSamplingRateAndShrinksWithNoise() {
        double previous = 0;
        for (double order : new double[] {1.5, 2, 3.7, 8, 32, 256}) {
            double r = SampledGaussianRdp.rdp(0.01, 1.1, order);
            assertThat(r).isGreaterThan(previous);
            previous = r;
        }
        assertThat(SampledGaussianRdp.rdp(0.02, 1.1, 8)).isGreaterThan(SampledGaussianRdp.rdp(0.01, 1.1, 8));
        assertThat(SampledGaussianRdp.rdp(0.01, 2.2, 8)).isLessThan(SampledGaussianRdp.rdp(0.01, 1.1, 8));
    }

    @Test
    void rejectsOutOfRangeParameters() {
        assertThatThrownBy(() -> SampledGaussianRdp.rdp(1.5, 1, 2)).hasMessageContaining("sampling rate");
        assertThatThrownBy(() -> SampledGaussianRdp.rdp(0.5, -1, 2)).hasMessageContaining("noise multiplier");
        assertThatThrownBy(() -> SampledGaussianRdp.rdp(0.5, 1, 0.5)).hasMessageContaining("order");
        assertThatThrownBy(() -> SampledGaussianRdp.rdp(0.5, 1, 1)).hasMessageContaining("KL");
    }
}
