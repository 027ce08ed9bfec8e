package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.cohort.privacy.accounting.Unit;
import org.cohort.protocol.v1.PrivacyPlan;
import org.cohort.protocol.v1.RoundTask;
import org.cohort.protocol.v1.TaskKind;
import org.junit.jupiter.api.Test;

/** What a site says about its held-out patients under DP: nothing in clear, one noised and charged release. */
class HeldOutReleaseTest {
    private static final PrivacyPlan PATIENT = PrivacyPlan.newBuilder()
            .setMode(org.cohort.protocol.v1.PrivacyMode.PRIVACY_MODE_PATIENT)
            .setClipNorm(1)
            .setNoiseMultiplier(1)
            .setDelta(1e-5)
            .setEpsilonBudget(1)
            .setEvaluationNoiseMultiplier(4)
            .build();

    private static RoundTask task(TaskKind kind, PrivacyPlan dp) {
        return RoundTask.newBuilder().setKind(kind).setPrivacy(dp).build();
    }

    @Test
    void onlyThePatientLevelFinalEvaluationReleasesAndEveryDpTaskWithholds() {
        assertThat(HeldOutRelease.releases(task(TaskKind.EVALUATE, PATIENT))).isTrue();
        assertThat(HeldOutRelease.releases(task(TaskKind.TRAIN, PATIENT))).isFalse();
        assertThat(HeldOutRelease.releases(task(
                        TaskKind.EVALUATE,
                        PATIENT.toBuilder()
                                .setMode(org.cohort.protocol.v1.PrivacyMode.PRIVACY_MODE_SITE)
                                .build())))
                .isFalse();
        assertThat(HeldOutRelease.releases(task(
                        TaskKind.EVALUATE,
                        PATIENT.toBuilder().setEvaluationNoiseMultiplier(0).build())))
                .isFalse();
        for (String mode : new String[] {"patient", "site"}) {
            assertThat(HeldOutRelease.withheld(task(
                            TaskKind.TRAIN,
                            PATIENT.toBuilder()
                                    .setMode(org.cohort.protocol.PrivacyWords.mode(mode))
                                    .build())))
                    .isTrue();
        }
        assertThat(HeldOutRelease.withheld(task(
                        TaskKind.TRAIN,
                        PrivacyPlan.newBuilder()
                                .setMode(org.cohort.protocol.v1.PrivacyMode.PRIVACY_MODE_NONE)
                                .build())))
                .isFalse();
        assertThat(HeldOutRelease.withheld(RoundTask.getDefaultInstance())).isFalse();
    }

    @Test
    void theReleaseIsOneGaussianMechanismOfSensitivityOneAtTheStudysNoise() {
        PrivacyCharge charge = HeldOutRelease.plannedCharge(task(TaskKind.EVALUATE, PATIENT));
        assertThat(charge).isEqualTo(new PrivacyCharge(Unit.PATIENT, 1.0, 4.0, 1));
    }

    @Test
    void everyCountGetsUnbiasedNoiseOfTheStatedDeviation() {
        long[] counts = {40, 7, 11, 42};
        var random = new SplittableRandom(20261202);
        int n = 20_000;
        double[] sum = new double[4];
        double[] squares = new double[4];
        for (int i = 0; i < n; i++) {
            var release = HeldOutRelease.release(counts, 2, 4.0, random::nextLong);
            assertThat(release.noise()).isEqualTo(4.0);
            for (int c = 0; c < 4; c++) {
                double noise = release.counts().get(c) - counts[c];
                sum[c] += noise;
                squares[c] += noise * noise;
            }
        }
        for (int c = 0; c < 4; c++) {
            // 5 standard errors: the mean's is σ/√n = 0.028, the variance's about σ²·√(2/n) = 0.16.
            assertThat(sum[c] / n).isCloseTo(0, within(0.15));
            assertThat(squares[c] / n).isCloseTo(16, within(0.8));
        }
        var one = HeldOutRelease.release(counts, 2, 4.0, new SplittableRandom(1)::nextLong);
        assertThat(one.counts()).isNotEqualTo(java.util.List.of(40L, 7L, 11L, 42L));
    }
}
