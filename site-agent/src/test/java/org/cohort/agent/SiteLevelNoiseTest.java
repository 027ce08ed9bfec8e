package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.cohort.privacy.sitelevel.DistributedDiscreteGaussian;
import org.cohort.privacy.sitelevel.SiteLevelAccounting;
import org.cohort.protocol.v1.PrivacyPlan;
import org.cohort.protocol.v1.RoundTask;
import org.cohort.protocol.v1.SecAggPlan;
import org.junit.jupiter.api.Test;

class SiteLevelNoiseTest {
    private static final int D = 20_000;

    private static RoundTask task(String mode, double scale) {
        var secagg = SecAggPlan.newBuilder()
                .setThreshold(3)
                .setDegree(4)
                .setScale(scale)
                .setClipRange(4.0);
        for (int i = 0; i < 5; i++) {
            secagg.addSitesByIndex("site-" + i);
        }
        return RoundTask.newBuilder()
                .setPrivacy(PrivacyPlan.newBuilder()
                        .setMode(org.cohort.protocol.PrivacyWords.mode(mode))
                        .setClipNorm(0.5)
                        .setNoiseMultiplier(1.2)
                        .setDelta(1e-5)
                        .setEpsilonBudget(10))
                .setSecagg(secagg)
                .build();
    }

    private static DistributedDiscreteGaussian encoding() {
        return DistributedDiscreteGaussian.plan(0.5, 1.2, 5, 3, D);
    }

    @Test
    void siteLevelInputIsNoisedWithTheSitesShareBeforeItIsMasked() {
        var encoding = encoding();
        // A zero update: whatever the masked input would reveal if unmasked alone is this noise.
        int[] input = SecureAggregationStep.ringInput(task("site", encoding.scale()), new float[D]);
        double[] decoded = encoding.decode(input);
        double sq = 0;
        for (double v : decoded) {
            sq += v * v;
        }
        double variance = sq / D;
        double share = 0.5 * 1.2 * 0.5 * 1.2 / 3; // σ²/n_min with n_min = the threshold
        System.out.printf("one site's ring input: variance %.6g, share σ²/t = %.6g%n", variance, share);
        assertThat(variance).isCloseTo(share, within(5 * Math.sqrt(2.0 / D) * share));
    }

    @Test
    void patientLevelSecureInputIsOnlyQuantized() {
        var task = task("patient", 0);
        int[] input = SecureAggregationStep.ringInput(task, new float[D]);
        assertThat(input).containsOnly(0);
    }

    @Test
    void refusesACoordinatorScaleThatDiffersFromItsOwn() {
        var task = task("site", encoding().scale() * 2);
        assertThatThrownBy(() -> SecureAggregationStep.ringInput(task, new float[D]))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("ring scale");
    }

    @Test
    void chargeIsTheEffectiveNoiseMultiplierTheCoordinatorComputes() {
        var secure = SiteLevelNoise.charge(task("site", 0), D);
        assertThat(secure.noiseMultiplier())
                .isEqualTo(encoding().effectiveNoiseMultiplier())
                .isLessThan(1.2);
        assertThat(secure.samplingRate()).isEqualTo(1.0);
        var central =
                SiteLevelNoise.charge(task("site", 0).toBuilder().clearSecagg().build(), D);
        assertThat(central.noiseMultiplier()).isEqualTo(SiteLevelAccounting.centralNoiseMultiplier(1.2, 0.5, D));
    }
}
