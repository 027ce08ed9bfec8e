package org.cohort.privacy.sitelevel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.cohort.privacy.noise.RandomSource;
import org.cohort.privacy.noise.Rational;
import org.junit.jupiter.api.Test;

class DistributedDiscreteGaussianTest {

    /** Reproducible bits, so the statistical checks cannot flake; never used for released noise. */
    private static RandomSource seeded(long seed) {
        var random = new SplittableRandom(seed);
        return random::nextLong;
    }

    @Test
    void workedExampleOfTheReadme() {
        // n = 3 sites, threshold 2, C = 1, z = 1, d = 10^6, 32-bit ring.
        var plan = DistributedDiscreteGaussian.plan(1.0, 1.0, 3, 2, 1_000_000);
        assertThat(plan.granularityExponent()).isEqualTo(27);
        assertThat(plan.effectiveSensitivity()).isCloseTo(1 + Math.scalb(1000.0, -27), within(1e-15));
        assertThat(plan.shareStd()).isCloseTo(1 / Math.sqrt(2), within(1e-12));
        assertThat(plan.tau(3)).isZero();
        assertThat(plan.effectiveNoiseMultiplier()).isCloseTo(1 / (1 + Math.scalb(1000.0, -27)), within(1e-12));
        assertThat(plan.wrapProbability()).isLessThanOrEqualTo(DistributedDiscreteGaussian.WRAP_PROBABILITY_TARGET);
        System.out.println(plan.describe());
        System.out.println(
                DistributedDiscreteGaussian.plan(1.0, 1.0, 3, 2, 1_000_000, 16).describe());
        System.out.println(
                DistributedDiscreteGaussian.plan(1.0, 1.0, 3, 2, 1_000, 16).describe());
    }

    @Test
    void eachSiteAddsTheTotalVarianceDividedByTheFewestSurvivors() {
        var plan = DistributedDiscreteGaussian.plan(0.5, 1.3, 10, 4, 1000);
        Rational sigmaUnits =
                Rational.exact(0.5 * 1.3).multiply(java.math.BigInteger.ONE.shiftLeft(plan.granularityExponent()));
        assertThat(plan.shareVarianceUnits())
                .isEqualTo(sigmaUnits.multiply(sigmaUnits).multiply(Rational.of(1, 4)));
        assertThat(plan.sumStd(4)).isCloseTo(0.5 * 1.3, within(1e-12));
    }

    @Test
    void sumOfTheSurvivorsMeetsTheAccountedNoiseAfterDropouts() {
        // 5 sites, the round releases a sum of at least 3; two sites drop. Zero updates, so the
        // decoded sum is pure noise: its variance per coordinate must be at least σ_eff²·C'².
        int sites = 5;
        int minSurvivors = 3;
        int d = 20_000;
        double clip = 0.1;
        double z = 1.1;
        var plan = DistributedDiscreteGaussian.plan(clip, z, sites, minSurvivors, d);
        int[] sum = new int[d];
        for (int site = 0; site < minSurvivors; site++) {
            int[] input = plan.encode(new double[d], seeded(100 + site));
            for (int i = 0; i < d; i++) {
                sum[i] += input[i];
            }
        }
        double variance = org.apache.commons.math3.stat.StatUtils.variance(plan.decode(sum));
        double accounted = Math.pow(plan.effectiveNoiseMultiplier() * plan.effectiveSensitivity(), 2);
        System.out.printf(
                "3 of 5 survivors: empirical variance %.6g, accounted σ_eff²·C'² %.6g%n", variance, accounted);
        // Var of the sample variance ≈ 2σ⁴/N: 5 standard deviations below is 5% at N = 20000.
        assertThat(variance).isGreaterThan(accounted * (1 - 5 * Math.sqrt(2.0 / d)));
        assertThat(variance).isCloseTo(z * z * clip * clip, within(5 * Math.sqrt(2.0 / d) * z * z * clip * clip));
    }

    @Test
    void moreSurvivorsCarryMoreNoise() {
        var plan = DistributedDiscreteGaussian.plan(1.0, 1.0, 5, 3, 5_000);
        int[] sum = new int[5_000];
        for (int site = 0; site < 5; site++) {
            int[] input = plan.encode(new double[5_000], seeded(7 + site));
            for (int i = 0; i < sum.length; i++) {
                sum[i] += input[i];
            }
        }
        assertThat(org.apache.commons.math3.stat.StatUtils.variance(plan.decode(sum)))
                .isCloseTo(5.0 / 3, within(5 * Math.sqrt(2.0 / 5_000) * 5 / 3));
    }

    @Test
    void roundingGrowsTheSensitivityAndLowersTheCharge() {
        // 16-bit ring, d = 10^5: γ√d is no longer negligible and the charge says so.
        var plan = DistributedDiscreteGaussian.plan(1.0, 1.0, 3, 2, 100_000, 16);
        double grown = 1 + plan.granularity() * Math.sqrt(100_000);
        assertThat(plan.effectiveSensitivity()).isCloseTo(grown, within(1e-12));
        assertThat(plan.effectiveNoiseMultiplier())
                .isCloseTo(1 / grown, within(1e-9))
                .isLessThan(0.9);
    }

    @Test
    void sumOfDiscreteGaussiansTermCountsWhenTheShareIsAFewUnits() {
        // An 8-bit ring shared by 30 sites leaves each a noise share of about one unit: τ is material.
        var plan = DistributedDiscreteGaussian.plan(1.0, 6.0, 30, 30, 10, 8);
        assertThat(plan.shareStdUnits()).isBetween(1.0, 1.2);
        assertThat(plan.tau(30)).isGreaterThan(1e-9);
        double withoutTau = 1
                / (plan.effectiveSensitivity() * plan.scale())
                * Math.sqrt(plan.minSurvivors() * plan.shareVarianceUnits().doubleValue());
        assertThat(plan.effectiveNoiseMultiplier()).isLessThan(withoutTau);
    }

    @Test
    void encodingClipsTheUpdateToC() {
        var plan = DistributedDiscreteGaussian.plan(1.0, 1e-3, 3, 3, 4);
        double[] decoded = plan.decode(plan.encode(new double[] {30, 40, 0, 0}, seeded(3)));
        assertThat(decoded[0]).isCloseTo(0.6, within(0.01));
        assertThat(decoded[1]).isCloseTo(0.8, within(0.01));
    }

    @Test
    void signalSurvivesTheRoundTrip() {
        var plan = DistributedDiscreteGaussian.plan(1.0, 1e-4, 3, 2, 3);
        double[] update = {0.25, -0.5, 0.125};
        int[] sum = new int[3];
        for (int site = 0; site < 3; site++) {
            int[] input = plan.encode(update, seeded(site));
            for (int i = 0; i < 3; i++) {
                sum[i] += input[i];
            }
        }
        double[] decoded = plan.decode(sum);
        assertThat(decoded).containsExactly(new double[] {0.75, -1.5, 0.375}, within(1e-3));
    }

    @Test
    void aSmallerRingIsReadModuloItsSize() {
        var plan = DistributedDiscreteGaussian.plan(1.0, 1.0, 3, 2, 10, 16);
        // -5 units plus a multiple of 2^16 (what other residues of the 32-bit sum add) reads as -5 units.
        double[] decoded = plan.decode(new int[] {-5 + 7 * 65536, 65536 - 5});
        assertThat(decoded[0]).isEqualTo(-5 * plan.granularity());
        assertThat(decoded[1]).isEqualTo(-5 * plan.granularity());
    }

    @Test
    void centralNoiseIsChargedWithTheGridSensitivity() {
        // The example: C = 10^-3 on 10^7 parameters loses 16% of its nominal noise multiplier.
        double z = SiteLevelAccounting.centralNoiseMultiplier(1.0, 1e-3, 10_000_000);
        assertThat(z).isCloseTo(1e-3 / (1e-3 + Math.scalb(Math.sqrt(1e7), -24)), within(1e-12));
        assertThat(z).isBetween(0.84, 0.85);
    }

    @Test
    void refusesRingsWithoutRoomForTheNoise() {
        assertThatThrownBy(() -> DistributedDiscreteGaussian.plan(1.0, 1.0, 200, 100, 1000, 8))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DistributedDiscreteGaussian.plan(1.0, 1.0, 3, 4, 1000))
                .hasMessageContaining("minimum survivors");
    }
}
