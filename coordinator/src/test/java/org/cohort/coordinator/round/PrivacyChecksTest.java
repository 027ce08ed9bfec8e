package org.cohort.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;

import org.cohort.coordinator.study.StudySpec;
import org.cohort.protocol.v1.Accountant;
import org.cohort.protocol.v1.PrivacyCharge;
import org.cohort.protocol.v1.PrivacyMode;
import org.cohort.protocol.v1.PrivacyUnit;
import org.cohort.protocol.v1.UpdateManifest;
import org.junit.jupiter.api.Test;

/** A patient-level study takes only updates trained with at least its noise, as accounted. */
class PrivacyChecksTest {
    private static StudySpec.Privacy study(double clip, double sigma) {
        return new StudySpec.Privacy(
                PrivacyMode.PRIVACY_MODE_PATIENT, clip, sigma, 1e-5, 1.0, Accountant.ACCOUNTANT_RDP, 32, false);
    }

    private static UpdateManifest update(long parameters, double accountedSigma) {
        return UpdateManifest.newBuilder()
                .setNumParameters(parameters)
                .setPrivacy(PrivacyCharge.newBuilder()
                        .setUnit(PrivacyUnit.PRIVACY_UNIT_PATIENT)
                        .setSamplingRate(0.1)
                        .setNoiseMultiplier(accountedSigma)
                        .setSteps(10))
                .build();
    }

    @Test
    void acceptsTheLatticeSamplersAccountedSigmaEvenForALargeModelAndASmallClipNorm() {
        // C = 0.01, a million parameters: the lattice's rounding costs 2^-24·√d = 6e-5, 0.6% of C.
        double clip = 0.01;
        long d = 1_000_000;
        double accounted = 1.0 * clip / (clip + Math.scalb(1.0, -24) * Math.sqrt(d));
        assertThat(accounted).isLessThan(0.995);
        assertThat(PrivacyChecks.check(study(clip, 1.0), RoundKind.TRAIN, update(d, accounted)))
                .isEmpty();
    }

    @Test
    void refusesLessNoiseThanTheStudyAsks() {
        assertThat(PrivacyChecks.check(study(1.0, 1.0), RoundKind.TRAIN, update(100, 0.99)))
                .hasValueSatisfying(r -> assertThat(r.message()).contains("below the study's 1.0"));
        assertThat(PrivacyChecks.check(study(1.0, 1.0), RoundKind.TRAIN, update(100, 0.9995)))
                .isEmpty();
    }

    @Test
    void refusesAnUpdateWithoutAPatientLevelCharge() {
        var plain = UpdateManifest.newBuilder().setNumParameters(100).build();
        assertThat(PrivacyChecks.check(study(1.0, 1.0), RoundKind.TRAIN, plain))
                .hasValueSatisfying(r -> assertThat(r.message()).contains("no patient-level privacy charge"));
        assertThat(PrivacyChecks.check(study(1.0, 1.0), RoundKind.EVALUATE, plain))
                .isEmpty();
    }

    @Test
    void refusesAChargeNoAccountantCanTakeInsteadOfFailingLater() {
        // Before: NaN passed "σ < floor" and infinity passed it too; the accountant then threw (INTERNAL).
        for (double sigma : new double[] {Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThat(PrivacyChecks.check(study(1.0, 1.0), RoundKind.TRAIN, update(100, sigma)))
                    .as("σ = %s", sigma)
                    .hasValueSatisfying(r -> assertThat(r.message())
                            .contains("noise multiplier " + sigma)
                            .contains("must be finite"));
        }
        var tooManySteps = update(100, 1.0).toBuilder()
                .setPrivacy(PrivacyCharge.newBuilder()
                        .setUnit(PrivacyUnit.PRIVACY_UNIT_PATIENT)
                        .setSamplingRate(0.1)
                        .setNoiseMultiplier(1.0)
                        .setSteps(Long.MAX_VALUE))
                .build();
        assertThat(PrivacyChecks.check(study(1.0, 1.0), RoundKind.TRAIN, tooManySteps))
                .isPresent();
        var nanRate = update(100, 1.0).toBuilder()
                .setPrivacy(PrivacyCharge.newBuilder()
                        .setUnit(PrivacyUnit.PRIVACY_UNIT_PATIENT)
                        .setSamplingRate(Double.NaN)
                        .setNoiseMultiplier(1.0)
                        .setSteps(10))
                .build();
        assertThat(PrivacyChecks.check(study(1.0, 1.0), RoundKind.TRAIN, nanRate))
                .isPresent();
    }
}
