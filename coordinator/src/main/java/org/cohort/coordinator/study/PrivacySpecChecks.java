package org.cohort.coordinator.study;

import static org.cohort.coordinator.study.StudySpec.DEFAULT_DELTA;
import static org.cohort.coordinator.study.StudySpec.DELTA_TIMES_UNITS_LIMIT;
import static org.cohort.coordinator.study.StudySpec.MAX_DELTA;

import java.util.ArrayList;
import java.util.List;
import org.cohort.protocol.v1.Accountant;
import org.cohort.protocol.v1.PrivacyMode;

/**
 * The range checks of a study's privacy and secure-aggregation settings, apart from
 * {@link StudySpec#validate()}'s other checks so each can grow on its own: every problem in words
 * the ML team can act on, and in the units the settings are stated in.
 */
final class PrivacySpecChecks {
    private PrivacySpecChecks() {}

    /** Every problem of {@code spec}'s privacy and secure-aggregation settings. */
    static List<String> problems(StudySpec spec) {
        var problems = new ArrayList<String>();
        StudySpec.Privacy p = spec.privacy();
        StudySpec.SecureAggregation sa = spec.secureAggregation();
        if (p != null && p.mode() != null) {
            if (p.mode() == PrivacyMode.UNRECOGNIZED || p.mode() == PrivacyMode.PRIVACY_MODE_UNSPECIFIED) {
                problems.add("privacy.mode must be 'none', 'patient' (DP-SGD at each site) or 'site' (DP-FedAvg)");
            } else if (p.enabled()) {
                if (p.clipNorm() != null && !(p.clipNorm() > 0 && Double.isFinite(p.clipNorm()))) {
                    problems.add(
                            "privacy.clipNorm must be a finite positive number (the L2 bound C), got " + p.clipNorm());
                }
                if (p.noiseMultiplier() != null && !(p.noiseMultiplier() > 0 && Double.isFinite(p.noiseMultiplier()))) {
                    problems.add("privacy.noiseMultiplier must be a finite positive number (0 would mean no privacy),"
                            + " got " + p.noiseMultiplier());
                }
                if (p.delta() != null && !(p.delta() > 0 && p.delta() <= MAX_DELTA)) {
                    problems.add("privacy.delta must be in (0, " + MAX_DELTA + "] and well below 1/n for n units"
                            + " (typically 1e-5 or less), got " + p.delta());
                } else if (p.patientLevel()) {
                    double delta = p.delta() == null ? DEFAULT_DELTA : p.delta();
                    long n = spec.siteExamplesLimit();
                    if (delta * n > DELTA_TIMES_UNITS_LIMIT) {
                        problems.add("privacy.delta = " + delta + " is not well below 1/n for sites of up to n = "
                                + n + " patients (maxSiteExamples): δ·n must be at most " + DELTA_TIMES_UNITS_LIMIT
                                + "; lower δ to " + DELTA_TIMES_UNITS_LIMIT / n + " or maxSiteExamples to "
                                + (long) Math.floor(DELTA_TIMES_UNITS_LIMIT / delta));
                    }
                }
                if (p.epsilonBudget() == null || !(p.epsilonBudget() > 0 && Double.isFinite(p.epsilonBudget()))) {
                    problems.add("privacy.epsilonBudget must state the study's ε budget per "
                            + (p.siteLevel() ? "site" : "patient") + " (a positive number)");
                }
                if (p.accountant() == Accountant.UNRECOGNIZED || p.accountant() == Accountant.ACCOUNTANT_UNSPECIFIED) {
                    problems.add("privacy.accountant must be 'rdp' or 'pld'");
                }
                if (p.evaluationNoiseMultiplier() != null
                        && !(p.evaluationNoiseMultiplier() >= 0 && p.evaluationNoiseMultiplier() <= 1e6)) {
                    problems.add("privacy.evaluationNoiseMultiplier must be 0 (no evaluation released) or the σ of"
                            + " the noise on each count of the final evaluation (up to 1e6), got "
                            + p.evaluationNoiseMultiplier());
                } else if (p.evaluationNoiseMultiplier() != null
                        && p.evaluationNoiseMultiplier() > 0
                        && !p.patientLevel()) {
                    problems.add("privacy.evaluationNoiseMultiplier applies to patient-level DP only: under site-level"
                            + " DP a site's evaluation would need noise on the scale of all its rows, and none is"
                            + " released");
                }
                if (p.expectedBatchSize() != null && p.expectedBatchSize() < 1) {
                    problems.add("privacy.expectedBatchSize must be at least 1");
                }
                if (Boolean.TRUE.equals(p.calibrateAtSites()) && !p.patientLevel()) {
                    problems.add("privacy.calibrateAtSites applies to patient-level DP-SGD only; site-level noise is"
                            + " added once to the sum, with one noise multiplier");
                }
            }
        }
        if (sa != null && sa.on()) {
            int n = spec.minSites() == null ? 2 : spec.minSites();
            if (n < 3) {
                problems.add("secure aggregation needs minSites of at least 3: with two sites each could subtract"
                        + " its own update from the sum and learn the other's");
            }
            if (sa.clipRange() != null && !(sa.clipRange() > 0 && Double.isFinite(sa.clipRange()))) {
                problems.add("secureAggregation.clipRange must be a finite positive number");
            }
            if (sa.maxUpdateNorm() != null && !(sa.maxUpdateNorm() > 0 && Double.isFinite(sa.maxUpdateNorm()))) {
                problems.add("secureAggregation.maxUpdateNorm must be a finite positive number (an L2 norm each site"
                        + " clips its update to before masking), got " + sa.maxUpdateNorm());
            }
            if (sa.stageTimeoutSeconds() != null && sa.stageTimeoutSeconds() < 1) {
                problems.add("secureAggregation.stageTimeoutSeconds must be at least 1");
            }
            if (sa.threshold() != null || sa.degree() != null) {
                try {
                    int degree = sa.degree() != null
                            ? sa.degree()
                            : org.cohort.crypto.secagg.SecAggParameters.defaultDegree(Math.max(n, 3));
                    int threshold = sa.threshold() != null
                            ? sa.threshold()
                            : org.cohort.crypto.secagg.SecAggParameters.minimumSafeThreshold(degree);
                    new org.cohort.crypto.secagg.SecAggParameters(Math.max(n, 3), threshold, degree, new byte[32]);
                } catch (IllegalArgumentException e) {
                    problems.add("secureAggregation: " + e.getMessage());
                }
            }
        }
        return problems;
    }
}
