package org.cohort.privacy.accounting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.cohort.privacy.accounting.PrivacyEvent.SampledGaussian;
import org.junit.jupiter.api.Test;

class NoiseCalibrationTest {

    private static final double Q = 150.0 / 60000;
    private static final long STEPS = 6000;

    @Test
    void recoversTheNoiseMultiplierThatProducedAnEpsilon() {
        for (AccountantKind kind : List.of(AccountantKind.RDP, AccountantKind.PLD)) {
            double target = PrivacyAccountant.create(kind)
                    .compose(new SampledGaussian(Q, 1.3, STEPS))
                    .epsilon(1e-5);
            double sigma = NoiseCalibration.noiseMultiplier(
                    s -> List.of(new SampledGaussian(Q, s, STEPS)), target, 1e-5, kind);
            // ε falls as σ grows, so 1.3 is the smallest σ that meets ε(1.3); the search ends just above it.
            assertThat(sigma).as(kind.name()).isBetween(1.3, 1.3 * (1 + 2 * NoiseCalibration.RELATIVE_TOLERANCE));
        }
    }

    @Test
    void returnedSigmaMeetsTheTargetAndASlightlySmallerOneDoesNot() {
        double target = 1.0;
        var schedule = (java.util.function.DoubleFunction<List<? extends PrivacyEvent>>)
                s -> List.of(new SampledGaussian(32.0 / 222, s, 7 * 5 * 10), new SampledGaussian(0.5, s, 3));
        double sigma = NoiseCalibration.noiseMultiplier(schedule, target, 1e-5, AccountantKind.RDP);
        var rdp = RdpAccountant.withDefaultOrders();
        assertThat(rdp.composeAll(schedule.apply(sigma)).epsilon(1e-5)).isLessThanOrEqualTo(target);
        assertThat(rdp.composeAll(schedule.apply(sigma * (1 - 3 * NoiseCalibration.RELATIVE_TOLERANCE)))
                        .epsilon(1e-5))
                .isGreaterThan(target);
    }

    @Test
    void smallNoiseSufficesForALooseTarget() {
        double sigma = NoiseCalibration.noiseMultiplier(
                s -> List.of(new SampledGaussian(0.01, s, 10)), 50, 1e-5, AccountantKind.RDP);
        assertThat(sigma).isLessThan(0.5);
        assertThat(RdpAccountant.withDefaultOrders()
                        .compose(new SampledGaussian(0.01, sigma, 10))
                        .epsilon(1e-5))
                .isLessThanOrEqualTo(50);
    }

    @Test
    void saysWhenNoNoiseIsEnough() {
        assertThatThrownBy(() -> NoiseCalibration.noiseMultiplier(
                        s -> List.of(new SampledGaussian(1.0, s, 100_000_000L)), 1e-3, 1e-5, AccountantKind.RDP))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fewer steps");
        assertThatThrownBy(() -> NoiseCalibration.noiseMultiplier(s -> List.of(), 0, 1e-5, AccountantKind.RDP))
                .hasMessageContaining("target ε");
    }
}
