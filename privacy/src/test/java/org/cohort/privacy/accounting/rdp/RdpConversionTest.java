package org.cohort.privacy.accounting.rdp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.stream.IntStream;
import org.cohort.privacy.accounting.rdp.RdpConversion.Method;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RdpConversionTest {

    private static final double[] ORDERS_2_TO_32 =
            IntStream.rangeClosed(2, 32).asDoubleStream().toArray();

    // dp_accounting rdp_privacy_accountant_test.py test_compute_epsilon_delta_pure_dp and
    // tensorflow/privacy rdp_accountant_test.py test_get_privacy_spent_check_target_delta/_eps.
    @Test
    void pureDpCurvePicksLargestOrder() {
        double[] rdp = new double[ORDERS_2_TO_32.length];
        java.util.Arrays.fill(rdp, 1.1);
        RdpBound eps = RdpConversion.epsilon(ORDERS_2_TO_32, rdp, 1e-5, Method.IMPROVED);
        assertThat(eps.value()).isCloseTo(1.32783806176, within(1e-7));
        assertThat(eps.order()).isEqualTo(32);
        RdpBound delta = RdpConversion.delta(ORDERS_2_TO_32, rdp, 1.32783806176, Method.IMPROVED);
        assertThat(delta.value()).isCloseTo(1e-5, within(1e-7));
        assertThat(delta.order()).isEqualTo(32);
    }

    // Same files, test_compute_epsilon_delta_gaussian / check_target_delta: σ = 4.530877117
    // without sampling is exactly (1, 1e-6)-DP; 99000 orders 1.000..99.999.
    @Test
    void recoversExactGaussianGuaranteeWithFineOrders() {
        double[] orders =
                IntStream.range(1000, 100000).mapToDouble(i -> 0.001 * i).toArray();
        double[] rdp = SampledGaussianRdp.rdp(1, 4.530877117, 1, orders);
        assertThat(RdpConversion.epsilon(orders, rdp, 1e-6, Method.IMPROVED).value())
                .isCloseTo(1, within(1e-7));
        assertThat(RdpConversion.delta(orders, rdp, 1, Method.IMPROVED).value()).isCloseTo(1e-6, within(1e-7));
    }

    // dp_accounting test_delta_bounds_gaussian / tensorflow/privacy test_get_privacy_spent_gaussian:
    // the RDP δ lies between the optimal Gaussian δ (Balle & Wang 2018, Thm. 8) and the standard
    // bound exp(-(ε-1/2)²/2).
    @Test
    void gaussianDeltaLiesBetweenOptimalAndStandardBounds() {
        double[] orders = IntStream.range(10, 505).mapToDouble(x -> 0.1 * x).toArray();
        double[] rdp = SampledGaussianRdp.rdp(1, 1, 1, orders);
        for (int x = 0; x < 500; x++) {
            double eps = 0.1 * x;
            double delta =
                    RdpConversion.delta(orders, rdp, eps, Method.IMPROVED).value();
            double optimal = org.apache.commons.math3.special.Erf.erfc((eps - 0.5) / Math.sqrt(2)) / 2
                    - Math.exp(eps) * org.apache.commons.math3.special.Erf.erfc((eps + 0.5) / Math.sqrt(2)) / 2;
            assertThat(optimal).as("eps=%s", eps).isLessThanOrEqualTo(delta + 1e-300);
            double standard = eps >= 0.5 ? Math.exp(-0.5 * (eps - 0.5) * (eps - 0.5)) : 1;
            assertThat(delta).as("eps=%s", eps).isLessThanOrEqualTo(standard + 1e-300);
        }
    }

    // dp_accounting test_epsilon_delta_consistency and tensorflow/privacy
    // test_get_privacy_spent_consistency: δ(ε(δ)) = δ, for both conversions.
    @ParameterizedTest
    @EnumSource(Method.class)
    void epsilonAndDeltaAreInverse(Method method) {
        double[] orders = IntStream.range(2, 50).asDoubleStream().toArray();
        for (double q : new double[] {0, 0.01, 0.1, 0.8, 1.0}) {
            for (double sigma : new double[] {0.0, 0.1, 1.0, 10.0, 100.0}) {
                double[] rdp = SampledGaussianRdp.rdp(q, sigma, 1, orders);
                for (double delta : new double[] {0.99, 0.9, 0.1, 0.01, 1e-3, 1e-5, 1e-9, 1e-12}) {
                    double eps =
                            RdpConversion.epsilon(orders, rdp, delta, method).value();
                    double back = RdpConversion.delta(orders, rdp, eps, method).value();
                    String what = "q=" + q + " sigma=" + sigma + " delta=" + delta;
                    if (Double.isInfinite(eps)) {
                        assertThat(back).as(what).isEqualTo(1.0);
                    } else if (eps == 0) {
                        assertThat(back).as(what).isLessThanOrEqualTo(delta);
                    } else {
                        assertThat(back).as(what).isCloseTo(delta, within(1e-7));
                    }
                }
            }
        }
    }

    @Test
    void deltaZeroNeedsAZeroCurve() {
        double[] orders = {2, 3};
        assertThat(RdpConversion.epsilon(orders, new double[] {0, 0}, 0, Method.IMPROVED)
                        .value())
                .isZero();
        assertThat(RdpConversion.epsilon(orders, new double[] {0.1, 0.2}, 0, Method.IMPROVED)
                        .value())
                .isInfinite();
    }

    @Test
    void infiniteOrderGivesPureDp() {
        double[] orders = {2, Double.POSITIVE_INFINITY};
        double[] rdp = {5, 0.7};
        assertThat(RdpConversion.epsilon(orders, rdp, 1e-9, Method.IMPROVED).value())
                .isEqualTo(0.7);
        assertThat(RdpConversion.epsilon(orders, rdp, 1e-9, Method.CLASSIC).value())
                .isEqualTo(0.7);
        assertThat(RdpConversion.delta(orders, rdp, 0.7, Method.IMPROVED).value())
                .isZero();
    }
}
