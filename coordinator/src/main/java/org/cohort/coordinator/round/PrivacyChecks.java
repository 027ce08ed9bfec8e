package org.cohort.coordinator.round;

import java.util.Optional;
import org.cohort.coordinator.round.UploadRejection.Reason;
import org.cohort.coordinator.study.StudySpec;
import org.cohort.protocol.v1.UpdateManifest;

/**
 * An update must carry the privacy the study promised: a patient-level study accepts only
 * updates whose site reports DP-SGD with at least the study's noise multiplier; nothing is
 * accepted silently without it.
 */
public final class PrivacyChecks {
    private PrivacyChecks() {}

    public static Optional<UploadRejection> check(StudySpec.Privacy privacy, RoundKind kind, UpdateManifest m) {
        if (kind != RoundKind.TRAIN || privacy == null || !"patient".equals(privacy.mode())) {
            return Optional.empty();
        }
        if (!m.hasPrivacy() || !"patient".equals(m.getPrivacy().getUnit())) {
            return Optional.of(new UploadRejection(Reason.MALFORMED,
                    "this study requires patient-level DP-SGD but the update reports no patient-level privacy charge"));
        }
        var p = m.getPrivacy();
        if (p.getNoiseMultiplier() < privacy.noiseMultiplier() || !(p.getSamplingRate() > 0 && p.getSamplingRate() <= 1)
                || p.getSteps() <= 0) {
            return Optional.of(new UploadRejection(Reason.MALFORMED, "update was trained with noise multiplier "
                    + p.getNoiseMultiplier() + " (q=" + p.getSamplingRate() + ", steps=" + p.getSteps()
                    + "), below the study's " + privacy.noiseMultiplier()));
        }
        return Optional.empty();
    }
}
