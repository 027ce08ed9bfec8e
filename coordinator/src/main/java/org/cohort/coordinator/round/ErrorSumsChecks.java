package org.cohort.coordinator.round;

import java.security.MessageDigest;
import java.util.Optional;
import org.cohort.coordinator.round.UploadChecks.HeldOutRule;
import org.cohort.coordinator.round.UploadRejection.Reason;
import org.cohort.protocol.ErrorSums;
import org.cohort.protocol.v1.UpdateManifest;

/**
 * The checks on a regression study's held-out error sums in an upload's manifest ({@link ErrorSums}).
 * Only a regression study's evaluation carries them, and a regression study's carries nothing else.
 * In clear they are exact and count the same rows as {@code test_examples}. Under DP they are a
 * release: only in the final evaluation of a patient-level study, with noise of √3 times the study's
 * evaluation noise multiplier (sensitivity √3), each value within {@link UploadChecks#NOISE_SLACK_SIGMAS}
 * noise deviations of what the site's declared size allows, named as the payload.
 */
final class ErrorSumsChecks {
    private ErrorSumsChecks() {}

    /** Empty when {@code m} carries what the rule allows of error sums (none, or acceptable ones). */
    static Optional<UploadRejection> check(
            RoundState round, UpdateManifest m, String site, HeldOutRule rule, long maxHeldOut) {
        var metrics = m.getMetrics();
        if (rule.errors() && (metrics.getScoreHistogramCount() > 0 || metrics.getNoisedConfusionCount() > 0)) {
            return reject(
                    Reason.MALFORMED,
                    "site " + site + " sends a score histogram or a confusion matrix in a regression study, whose"
                            + " evaluation is its error sums alone");
        }
        if (rule.errors() && !rule.privateStudy() && metrics.getTestCorrect() != 0) {
            return reject(
                    Reason.MALFORMED,
                    "site " + site + " reports " + metrics.getTestCorrect() + " correct held-out rows in a regression"
                            + " study, which has no correct rows: its evaluation is its error sums");
        }
        if (metrics.getErrorSumsCount() == 0) {
            // In clear a regression site that evaluated rows must say how well: without sums its rows would
            // count in the pool with no error, and one such site would hide every site's MAE and RMSE.
            return rule.errors() && !rule.privateStudy() && metrics.getTestExamples() > 0
                    ? reject(
                            Reason.MALFORMED,
                            "site " + site + " reports " + metrics.getTestExamples() + " held-out rows in a regression"
                                    + " study without their error sums")
                    : Optional.empty();
        }
        if (!rule.errors()) {
            return reject(
                    Reason.MALFORMED,
                    "site " + site + " sends error sums, which only a regression study's evaluation carries");
        }
        ErrorSums sums;
        try {
            sums = ErrorSums.from(metrics);
        } catch (IllegalArgumentException e) {
            return reject(Reason.MALFORMED, "site " + site + "'s error sums are malformed: " + e.getMessage());
        }
        if (!rule.privateStudy()) {
            if (sums.noised()) {
                return reject(
                        Reason.MALFORMED,
                        "site " + site + " sends noised error sums in a study without differential privacy, whose"
                                + " evaluation travels exact");
            }
            return sums.count() == metrics.getTestExamples()
                    ? Optional.empty()
                    : reject(
                            Reason.BAD_EXAMPLE_COUNT,
                            "site " + site + "'s error sums count " + sums.count() + " held-out rows where it reports "
                                    + metrics.getTestExamples() + " test examples");
        }
        if (!sums.noised() || round.kind() != RoundKind.EVALUATE || !(rule.evaluationNoise() > 0)) {
            return reject(
                    Reason.MALFORMED,
                    "site " + site + " sends error sums where the study's terms release none: under differential"
                            + " privacy only the final evaluation of a patient-level study with an evaluation noise"
                            + " multiplier carries them, noised");
        }
        double noise = rule.evaluationNoise() * ErrorSums.SENSITIVITY;
        if (sums.noise() != noise) {
            return reject(
                    Reason.MALFORMED,
                    "site " + site + "'s error sums carry noise of σ " + sums.noise() + " where the study's terms set "
                            + noise + " (√3 times the evaluation noise multiplier " + rule.evaluationNoise() + ")");
        }
        // The count, then the sums in units of 1/Q: each within the slack of [0, the most rows (times Q)].
        double slack = UploadChecks.NOISE_SLACK_SIGMAS * noise;
        if (outside(sums.count(), maxHeldOut, slack)
                || outside(sums.absoluteErrors() / (double) ErrorSums.QUANTUM, maxHeldOut, slack)
                || outside(sums.squaredErrors() / (double) ErrorSums.QUANTUM, maxHeldOut, slack)) {
            return reject(
                    Reason.BAD_EXAMPLE_COUNT,
                    "site " + site + "'s noised error sums lie beyond " + UploadChecks.NOISE_SLACK_SIGMAS
                            + " standard deviations of the noise around what its declared training size allows ("
                            + maxHeldOut + " held-out rows, each error at most the label range)");
        }
        if (!MessageDigest.isEqual(sums.sha256(), m.getPayloadSha256().toByteArray())) {
            return reject(
                    Reason.MALFORMED,
                    "site " + site + "'s signed payload digest does not name its noised error sums (SHA-256 over"
                            + " the three values as big-endian 64-bit integers)");
        }
        return Optional.empty();
    }

    private static boolean outside(double value, long most, double slack) {
        return value < -slack || value > most + slack;
    }

    private static Optional<UploadRejection> reject(Reason reason, String message) {
        return Optional.of(new UploadRejection(reason, message));
    }
}
