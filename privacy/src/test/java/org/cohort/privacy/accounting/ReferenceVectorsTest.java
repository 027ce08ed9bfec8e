package org.cohort.privacy.accounting;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.DoubleStream;
import java.util.stream.IntStream;
import org.cohort.privacy.accounting.PrivacyEvent.SampledGaussian;
import org.junit.jupiter.api.Test;

/**
 * Published values of the reference libraries, reproduced to 1e-6 relative (or to the digits
 * the source gives). Sources are named on each test.
 */
class ReferenceVectorsTest {

    /** TensorFlow Privacy tutorials' RDP orders (mnist_dpsgd_tutorial.py). */
    static final double[] TUTORIAL_ORDERS = DoubleStream.concat(
                    DoubleStream.concat(
                            DoubleStream.of(1.25, 1.5, 1.75, 2, 2.25, 2.5, 3, 3.5, 4, 4.5),
                            IntStream.range(5, 64).mapToDouble(x -> x)),
                    DoubleStream.of(128, 256, 512))
            .toArray();

    static double relativeError(double actual, double expected) {
        return Math.abs(actual - expected) / Math.abs(expected);
    }

    // tensorflow/privacy: tutorials/mnist_dpsgd_tutorial.py setting (batch 150 of 60000, σ=1.3,
    // 15 epochs = 6000 steps, δ=1e-5); value as computed by dp_accounting's RdpAccountant.
    @Test
    void matchesTfPrivacyMnistExample() {
        RdpAccountant a =
                RdpAccountant.withOrders(TUTORIAL_ORDERS).compose(new SampledGaussian(150.0 / 60000, 1.3, 6000));
        assertThat(relativeError(a.epsilon(1e-5), 0.7242234026109595)).isLessThan(1e-6);
        assertThat(relativeError(a.epsilon(1e-5, Conversion.RDP_CLASSIC).value(), 0.941870567))
                .isLessThan(1e-6);
    }

    // Same tutorial orders, q=0.001, σ=1.0, 30000 steps, δ=1e-7 (dp_accounting RdpAccountant).
    @Test
    void matchesTfPrivacySmallSamplingRateExample() {
        RdpAccountant a = RdpAccountant.withOrders(TUTORIAL_ORDERS).compose(new SampledGaussian(0.001, 1.0, 30000));
        assertThat(relativeError(a.epsilon(1e-7), 1.4154988495444842)).isLessThan(1e-6);
        assertThat(relativeError(a.epsilon(1e-7, Conversion.RDP_CLASSIC).value(), 1.70928734))
                .isLessThan(1e-6);
    }

    // dp_accounting defaults: RdpAccountant() orders 1.1..10.9, 11..63, 128..1024 and
    // PLDAccountant() (value_discretization_interval 1e-4, connect-the-dots, truncation 1e-15).
    // The PLD value matches with these defaults; no special discretisation is needed.
    @Test
    void matchesDpAccountingDefaultOrdersAndPld() {
        SampledGaussian event = new SampledGaussian(0.01, 0.7, 120);
        double rdpEps = RdpAccountant.withDefaultOrders().compose(event).epsilon(1e-5);
        double pldEps = PldAccountant.create().compose(event).epsilon(1e-5);
        assertThat(relativeError(rdpEps, 3.2392676)).isLessThan(1e-6);
        assertThat(relativeError(pldEps, 2.4612381)).isLessThan(1e-6);
    }

    // dp_accounting rdp_privacy_accountant_test.py test_compute_rdp_poisson_sampled_gaussian
    // (published to 9 digits; that test uses rtol 1e-4, these agree to 1e-6).
    @Test
    void matchesDpAccountingRdpCurve() {
        RdpAccountant a = RdpAccountant.withOrders(1.5, 2.5, 5, 50, 100, Double.POSITIVE_INFINITY)
                .compose(new SampledGaussian(0.01, 2.5, 50));
        double[] rdp = a.rdp();
        double[] expected = {6.70579741e-04, 1.08548710e-03, 2.18075656e-03, 2.38460375e-02, 1.67416308e02};
        for (int i = 0; i < expected.length; i++) {
            assertThat(relativeError(rdp[i], expected[i])).isLessThan(1e-6);
        }
        assertThat(rdp[5]).isInfinite();
    }
}
