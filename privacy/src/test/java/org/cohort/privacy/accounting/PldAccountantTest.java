package org.cohort.privacy.accounting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.apache.commons.math3.distribution.NormalDistribution;
import org.cohort.privacy.accounting.PrivacyEvent.Gaussian;
import org.cohort.privacy.accounting.PrivacyEvent.SampledGaussian;
import org.cohort.privacy.accounting.pld.PrivacyLossDistribution;
import org.junit.jupiter.api.Test;

class PldAccountantTest {

    // google/differential-privacy python/dp_accounting/dp_accounting/pld/pld_privacy_accountant_test.py
    // test_gaussian_basic: σ=√3 composed once and then twice is (1, 0.126936)-DP (±1e-3).
    @Test
    void refusesInputsWhoseGridWouldExhaustMemoryAndSaysToUseRdp() {
        // q = 1, σ = 1, 10^6 steps: billions of grid points; it used to run out of memory after minutes.
        var accountant = PldAccountant.create();
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> accountant.compose(new SampledGaussian(1.0, 1.0, 1_000_000)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("grid points")
                .hasMessageContaining("accountant=rdp");
        // A tiny σ makes even one step's grid too wide.
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> accountant.compose(new SampledGaussian(0.5, 1e-4, 1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("one step");
    }

    @Test
    void matchesDpAccountingGaussianExample() {
        PldAccountant acc =
                PldAccountant.create().compose(new Gaussian(Math.sqrt(3), 1)).compose(new Gaussian(Math.sqrt(3), 2));
        assertThat(acc.delta(1)).isCloseTo(0.126936, within(1e-3));
        assertThat(acc.epsilon(0.126936)).isCloseTo(1, within(1e-3));
    }

    // Same file, test_poisson_subsampled_gaussian and test_self_composed_subsampled_gaussian:
    // q=0.2, σ=0.5, three steps give δ(1) = 0.15594 (±1e-3), composed 1+2 or 3 at once.
    @Test
    void matchesDpAccountingSubsampledGaussianExample() {
        PldAccountant split = PldAccountant.create()
                .compose(new SampledGaussian(0.2, 0.5, 1))
                .compose(new SampledGaussian(0.2, 0.5, 2));
        PldAccountant once = PldAccountant.create().compose(new SampledGaussian(0.2, 0.5, 3));
        for (PldAccountant acc : new PldAccountant[] {split, once}) {
            assertThat(acc.delta(1)).isCloseTo(0.15594, within(1e-3));
            assertThat(acc.epsilon(0.15594)).isCloseTo(1, within(1e-3));
        }
        assertThat(split.epsilon(1e-5)).isCloseTo(once.epsilon(1e-5), within(1e-3));
    }

    /**
     * Regression values for the TF Privacy MNIST setting and the q=0.001 example, cross-checked
     * against dp_accounting's PLD algorithm (pld_privacy_accountant.py with
     * privacy_loss_distribution.py, privacy_loss_mechanism.py, pld_pmf.py, common.py)
     * transcribed to NumPy/SciPy: 0.6401109264474755 and 1.0981997911079664. The second raises
     * Fourier coefficients to the 30000th power at δ = 1e-7, where double-precision FFT round-off
     * (about 1e-12 in δ, differently placed by SciPy's and this FFT) moves ε by about 6e-7
     * relative, hence its looser tolerance.
     */
    @Test
    void matchesDpAccountingPldOnTfPrivacyExamples() {
        double mnist = PldAccountant.create()
                .compose(new SampledGaussian(150.0 / 60000, 1.3, 6000))
                .epsilon(1e-5);
        assertThat(mnist).isCloseTo(0.6401109264474755, within(1e-6 * 0.64));
        double small = PldAccountant.create()
                .compose(new SampledGaussian(0.001, 1.0, 30000))
                .epsilon(1e-7);
        assertThat(small).isCloseTo(1.0981997911079664, within(5e-6 * 1.1));
    }

    @Test
    void pldIsTighterThanRdp() {
        SampledGaussian[] events = {
            new SampledGaussian(0.01, 0.7, 120), new SampledGaussian(0.05, 1.0, 200), new SampledGaussian(1.0, 4.0, 10)
        };
        for (SampledGaussian e : events) {
            double pld = PldAccountant.create().compose(e).epsilon(1e-5);
            double rdp = RdpAccountant.withDefaultOrders().compose(e).epsilon(1e-5);
            assertThat(pld).as(e.describe()).isLessThan(rdp);
        }
    }

    @Test
    void composesHeterogeneousEvents() {
        SampledGaussian a = new SampledGaussian(0.02, 1.0, 50);
        SampledGaussian b = new SampledGaussian(0.1, 2.0, 20);
        double ab = PldAccountant.create().compose(a).compose(b).epsilon(1e-6);
        double ba = PldAccountant.create().compose(b).compose(a).epsilon(1e-6);
        assertThat(ab).isCloseTo(ba, within(1e-9));
        double aOnly = PldAccountant.create().compose(a).epsilon(1e-6);
        double bOnly = PldAccountant.create().compose(b).epsilon(1e-6);
        assertThat(ab).isGreaterThan(Math.max(aOnly, bOnly)).isLessThan(aOnly + bOnly);
        // Same mechanism split over two events equals one event with all steps.
        double split = PldAccountant.create()
                .compose(new SampledGaussian(0.02, 1.0, 20))
                .compose(new SampledGaussian(0.02, 1.0, 30))
                .epsilon(1e-6);
        assertThat(split).isCloseTo(aOnly, within(1e-3 * aOnly));
    }

    @Test
    void gaussianDeltaIsPessimisticButClose() {
        double sigma = 1.7;
        PldAccountant acc = PldAccountant.create().compose(new Gaussian(sigma, 1));
        NormalDistribution n = new NormalDistribution();
        for (double eps : new double[] {0, 0.25, 0.5, 1, 2}) {
            // Balle & Wang 2018, Thm. 8: exact δ(ε) of the Gaussian mechanism.
            double exact = n.cumulativeProbability(-eps * sigma + 0.5 / sigma)
                    - Math.exp(eps) * n.cumulativeProbability(-eps * sigma - 0.5 / sigma);
            assertThat(acc.delta(eps))
                    .as("eps=%s", eps)
                    .isGreaterThanOrEqualTo(exact - 1e-12)
                    .isCloseTo(exact, within(1e-5));
        }
    }

    // dp_accounting pld_privacy_accountant_test.py test_additive_noise_mechanisms_with_zero_noise_multiplier
    // and test_poisson_subsampling_with_zero_probability.
    @Test
    void zeroNoiseIsUnboundedAndZeroSamplingIsFree() {
        PldAccountant leaky = PldAccountant.create().compose(new SampledGaussian(0.1, 0, 1));
        assertThat(leaky.delta(1)).isEqualTo(1.0);
        assertThat(leaky.epsilon(0.01)).isInfinite();
        PldAccountant free = PldAccountant.create().compose(new SampledGaussian(0, 1, 100));
        assertThat(free.delta(0)).isZero();
        assertThat(free.epsilon(0)).isZero();
    }

    @Test
    void reportsTheWorseOfAddAndRemove() {
        PldAccountant acc = PldAccountant.create().compose(new SampledGaussian(0.01, 0.7, 120));
        PrivacyLossDistribution pld = acc.distribution();
        assertThat(pld.isSymmetric()).isFalse();
        double remove = pld.removePmf().epsilonForDelta(1e-5);
        double add = pld.addPmf().epsilonForDelta(1e-5);
        assertThat(acc.epsilon(1e-5)).isEqualTo(Math.max(remove, add));
        assertThat(remove).isGreaterThan(add);
    }

    @Test
    void coarserDiscretisationIsStillAnUpperBound() {
        SampledGaussian e = new SampledGaussian(0.01, 0.7, 120);
        double fine = PldAccountant.create().compose(e).epsilon(1e-5);
        double coarse =
                PldAccountant.withValueDiscretizationInterval(1e-2).compose(e).epsilon(1e-5);
        assertThat(coarse).isGreaterThanOrEqualTo(fine).isLessThan(fine + 0.05);
    }

    @Test
    void reportDescribesPldSettings() {
        PrivacyReport r = PldAccountant.create()
                .compose(new SampledGaussian(0.01, 0.7, 120))
                .report(1e-5, Unit.SITE);
        assertThat(r.conversion()).isEqualTo(Conversion.PLD_HOCKEY_STICK);
        assertThat(r.parameters()).isEqualTo(new AccountingParameters.Pld(1e-4, 1e-15));
        assertThat(r.describe())
                .isEqualTo("ε = 2.461 (site-level, δ = 1e-5, PLD accountant, pessimistic "
                        + "connect-the-dots discretisation 1e-4; sampled Gaussian q=0.01, σ=0.7, 120 steps)");
    }
}
