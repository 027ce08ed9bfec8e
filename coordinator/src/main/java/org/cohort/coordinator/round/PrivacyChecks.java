package org.cohort.coordinator.round;

import java.util.Optional;
import org.cohort.coordinator.round.UploadRejection.Reason;
import org.cohort.coordinator.study.StudySpec;
import org.cohort.learning.dp.SecureGaussianNoise;
import org.cohort.privacy.noise.GranularGaussianNoise;
import org.cohort.protocol.v1.UpdateManifest;

/**
 * An update must carry the privacy the study promised: a patient-level study accepts only
 * updates whose site reports DP-SGD with at least the study's noise multiplier; nothing is
 * accepted silently without it.
 */
public final class PrivacyChecks {
    /** Relative shortfall of the declared σ tolerated for the sampler's rounding (charged as declared). */
    static final double NOMINAL_SIGMA_SLACK = 1e-3;
    /** Most DP-SGD steps one update may declare: far beyond any round (10M rows, batch 1, 100 epochs). */
    static final long MAX_STEPS = 1_000_000_000L;

    private PrivacyChecks() {}

    public static Optional<UploadRejection> check(StudySpec.Privacy privacy, RoundKind kind, UpdateManifest m) {
        if (kind != RoundKind.TRAIN || privacy == null || !privacy.patientLevel()) {
            return Optional.empty();
        }
        if (!m.hasPrivacy() || m.getPrivacy().getUnit() != org.cohort.protocol.v1.PrivacyUnit.PRIVACY_UNIT_PATIENT) {
            return Optional.of(new UploadRejection(
                    Reason.MALFORMED,
                    "this study requires patient-level DP-SGD but the update reports no patient-level privacy charge"));
        }
        var p = m.getPrivacy();
        // Refused before any accountant sees them: a NaN or infinite σ, q outside (0, 1] or absurd step counts.
        if (!Double.isFinite(p.getNoiseMultiplier())
                || !(p.getSamplingRate() > 0 && p.getSamplingRate() <= 1)
                || p.getSteps() < 1
                || p.getSteps() > MAX_STEPS) {
            return Optional.of(new UploadRejection(
                    Reason.MALFORMED,
                    "site " + m.getSiteId() + " declares a privacy"
                            + " charge that cannot be accounted: noise multiplier " + p.getNoiseMultiplier()
                            + " (must be"
                            + " finite), sampling rate " + p.getSamplingRate() + " (must be in (0, 1]), " + p.getSteps()
                            + " steps (must be 1 to " + MAX_STEPS + ")"));
        }
        // The lattice Gaussian a site uses is accounted with a σ below the nominal one by the factor
        // C / (C + 2^-k·√d) (its sensitivity grows by the rounding granularity); anything further
        // below is refused.
        double clip = privacy.clipNorm() == null ? 1.0 : privacy.clipNorm();
        double latticeShortfall = clip
                / GranularGaussianNoise.effectiveL2Sensitivity(
                        clip, Math.max(1, m.getNumParameters()), SecureGaussianNoise.DEFAULT_GRANULARITY_EXPONENT);
        double floor = privacy.noiseMultiplier() * Math.min(1 - NOMINAL_SIGMA_SLACK, latticeShortfall * (1 - 1e-9));
        if (p.getNoiseMultiplier() < floor
                || !(p.getSamplingRate() > 0 && p.getSamplingRate() <= 1)
                || p.getSteps() <= 0) {
            return Optional.of(new UploadRejection(
                    Reason.MALFORMED,
                    "update was trained with noise multiplier "
                            + p.getNoiseMultiplier() + " (q=" + p.getSamplingRate() + ", steps=" + p.getSteps()
                            + "), below the study's " + privacy.noiseMultiplier()));
        }
        return Optional.empty();
    }
}
