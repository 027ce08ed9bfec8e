package org.cohort.coordinator.round;

import java.util.Optional;
import org.cohort.coordinator.round.UploadChecks.HeldOutRule;
import org.cohort.coordinator.round.UploadRejection.Reason;
import org.cohort.protocol.ScoreHistogram;
import org.cohort.protocol.v1.UpdateManifest;

/**
 * The checks on a binary study's held-out score histogram in an upload's manifest. In clear it is
 * exact and counts the same rows as {@code test_examples}. Under DP it is a release: only in the
 * final evaluation of a patient-level study, at the study's evaluation noise, named as the payload,
 * and instead of (never beside) a noised confusion matrix, so one evaluation is one charge.
 */
final class ScoreHistogramChecks {
    private ScoreHistogramChecks() {}

    /** Empty when {@code m} carries no histogram or an acceptable one. */
    static Optional<UploadRejection> check(
            RoundState round, UpdateManifest m, String site, HeldOutRule rule, long maxHeldOut) {
        var metrics = m.getMetrics();
        if (metrics.getScoreHistogramCount() == 0) {
            return Optional.empty();
        }
        ScoreHistogram histogram;
        try {
            histogram = ScoreHistogram.from(metrics);
        } catch (IllegalArgumentException e) {
            return reject(Reason.MALFORMED, "site " + site + "'s score histogram is malformed: " + e.getMessage());
        }
        if (histogram.counts().size() != 2 * rule.scoreBins()) {
            // One site's odd binning would make the pooled sum of all sites' histograms fail.
            return reject(
                    Reason.MALFORMED,
                    "site " + site + "'s score histogram has "
                            + histogram.counts().size() + " counts; this binary"
                            + " study's has " + 2 * rule.scoreBins() + " (2 classes x " + rule.scoreBins()
                            + " bins)");
        }
        if (rule.classes() != 2 || rule.pairs()) {
            return reject(
                    Reason.MALFORMED,
                    "site " + site + " sends a score histogram, which only a binary classification study's"
                            + " evaluation carries");
        }
        if (!rule.privateStudy()) {
            if (histogram.noised()) {
                return reject(
                        Reason.MALFORMED,
                        "site " + site + " sends a noised score histogram in a study without differential"
                                + " privacy, whose evaluation travels exact");
            }
            long rows = histogram.counts().stream().mapToLong(Long::longValue).sum();
            return rows == metrics.getTestExamples()
                    ? Optional.empty()
                    : reject(
                            Reason.BAD_EXAMPLE_COUNT,
                            "site " + site + "'s score histogram counts " + rows + " held-out rows where it reports "
                                    + metrics.getTestExamples() + " test examples");
        }
        if (!histogram.noised() || round.kind() != RoundKind.EVALUATE || !(rule.evaluationNoise() > 0)) {
            return reject(
                    Reason.MALFORMED,
                    "site " + site + " sends a score histogram where the study's terms release none: under"
                            + " differential privacy only the final evaluation of a patient-level study with an"
                            + " evaluation noise multiplier carries one, noised");
        }
        if (metrics.getNoisedConfusionCount() > 0) {
            return reject(
                    Reason.MALFORMED,
                    "site " + site + " sends both a noised score histogram and a noised confusion matrix: a"
                            + " binary study's final evaluation releases the histogram alone (one release, one charge)");
        }
        return UploadChecks.noisedCounts(
                histogram.counts(),
                histogram.noise(),
                histogram.sha256(),
                "score histogram",
                m,
                site,
                rule,
                maxHeldOut);
    }

    private static Optional<UploadRejection> reject(Reason reason, String message) {
        return Optional.of(new UploadRejection(reason, message));
    }
}
