package org.cohort.coordinator.round;

import java.security.MessageDigest;
import java.util.Optional;
import org.cohort.coordinator.round.UploadRejection.Reason;
import org.cohort.protocol.transfer.TransferEncoding;
import org.cohort.protocol.v1.TensorEncoding;
import org.cohort.protocol.v1.UpdateManifest;

/**
 * The checks an upload's signed manifest must pass against the round it names, before a
 * single value of it is read. Pure: the caller supplies the round state (or null when the
 * round id is unknown), the model length and the study's held-out fraction.
 *
 * <p>What a site states about itself is bounded by what it declared when it accepted the study:
 * a training update's weight ({@code example_count}) must be exactly its declared training size,
 * and its held-out counts at most what that size and the study's test fraction allow
 * ({@link #maxTestExamples}), so no site can own the model or the pooled accuracy.
 */
public final class UploadChecks {
    /**
     * Slack on the held-out count a declared training size implies: a held-out split may be up to
     * this many times its expected size (the split is random per row), and never less than the
     * training size itself.
     */
    static final double TEST_COUNT_SLACK = 2;

    private UploadChecks() {}

    /**
     * The most held-out examples a site that declared {@code declaredTraining} training examples
     * may report: {@code ⌈n · max(1, 2·f/(1−f))⌉} for test fraction f (an honest site holds out about
     * n·f/(1−f)); at most Long.MAX_VALUE.
     */
    public static long maxTestExamples(long declaredTraining, double testFraction) {
        double ratio = testFraction > 0 && testFraction < 1 ? testFraction / (1 - testFraction) : 1;
        double bound = Math.ceil(declaredTraining * Math.max(1, TEST_COUNT_SLACK * ratio));
        return bound >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) bound;
    }

    /**
     * What a study's privacy allows a site to say about its held-out patients.
     *
     * @param privateStudy the study is under differential privacy: held-out metrics must be withheld
     * @param evaluationNoise the σ of the noised confusion matrix a final evaluation releases (0: none)
     * @param pairs a survival study: a site reports its C-index as half pairs of held-out patients
     *     (test_correct = 2·concordant + tied, test_examples = 2·comparable), at most m(m − 1) for m
     *     held-out patients
     * @param errors a regression study: a site reports its held-out evaluation as error sums
     *     ({@link ErrorSumsChecks}), never a score histogram or a confusion matrix
     * @param scoreBins a binary study's score histogram bins (the study's {@code dataset.scoreBins})
     */
    public record HeldOutRule(
            boolean privateStudy, double evaluationNoise, int classes, boolean pairs, boolean errors, int scoreBins) {
        public static final HeldOutRule IN_CLEAR = new HeldOutRule(false, 0, 2, false);

        public HeldOutRule(boolean privateStudy, double evaluationNoise, int classes, boolean pairs) {
            this(privateStudy, evaluationNoise, classes, pairs, false);
        }

        public HeldOutRule(boolean privateStudy, double evaluationNoise, int classes, boolean pairs, boolean errors) {
            this(privateStudy, evaluationNoise, classes, pairs, errors, org.cohort.protocol.ScoreHistogram.BINS);
        }

        public HeldOutRule(boolean privateStudy, double evaluationNoise, int classes) {
            this(privateStudy, evaluationNoise, classes, false);
        }

        /** The most a site may report as test_examples when it may hold out {@code maxRows} patients. */
        long maxReported(long maxRows) {
            if (!pairs) {
                return maxRows;
            }
            return maxRows > 3_000_000_000L ? Long.MAX_VALUE : maxRows * Math.max(0, maxRows - 1);
        }
    }

    /**
     * How many noise standard deviations a noised count may lie outside [0, the site's most held-out
     * rows]: an honest count does so with probability below 10⁻²³, and a hostile site cannot claim
     * the pooled figure with counts far beyond what it declared.
     */
    static final double NOISE_SLACK_SIGMAS = 10;

    public static Optional<UploadRejection> check(
            RoundState round, UpdateManifest m, String site, long modelLength, double testFraction) {
        return check(round, m, site, modelLength, testFraction, HeldOutRule.IN_CLEAR);
    }

    public static Optional<UploadRejection> check(
            RoundState round,
            UpdateManifest m,
            String site,
            long modelLength,
            double testFraction,
            HeldOutRule heldOut) {
        return check(round, m, site, modelLength, testFraction, heldOut, TransferEncoding.Float32.INSTANCE, 32, 1);
    }

    /**
     * As above, for a study whose plain updates travel as {@code transfer} and whose secure rounds'
     * masked inputs are ring elements of {@code ringBits} bits (16 or 32; RingWidth.bits).
     */
    public static Optional<UploadRejection> check(
            RoundState round,
            UpdateManifest m,
            String site,
            long modelLength,
            double testFraction,
            HeldOutRule heldOut,
            TransferEncoding transfer,
            int ringBits) {
        return check(round, m, site, modelLength, testFraction, heldOut, transfer, ringBits, 1);
    }

    /**
     * The checks, for a study whose plain updates travel as {@code transfer}, whose secure rounds'
     * masked inputs are ring elements of {@code ringBits} bits, and whose training uploads carry
     * {@code uploadVectors} model-sized vectors (2 for SCAFFOLD: the delta, then the control
     * variate's change, which the manifest must state). The encodings are length-agnostic: a SCAFFOLD upload
     * of twice the model's length is one vector to them (int8 blocks run across the Δy/Δc border).
     */
    public static Optional<UploadRejection> check(
            RoundState round,
            UpdateManifest m,
            String site,
            long modelLength,
            double testFraction,
            HeldOutRule heldOut,
            TransferEncoding transfer,
            int ringBits,
            int uploadVectors) {
        if (round == null) {
            return reject(Reason.UNKNOWN_ROUND, "no round with id '" + m.getRoundId() + "'");
        }
        if (!round.selected().contains(site)) {
            return reject(Reason.NOT_SELECTED, "site " + site + " was not selected for round " + round.roundId());
        }
        // A nonce from another attempt means this upload was captured and replayed (or is very late).
        CarriedTask task = round.task(site); // this round's, or the earlier buffered round's it carried in
        if (!MessageDigest.isEqual(task.nonce(), m.getNonce().toByteArray())) {
            return reject(
                    Reason.REPLAYED_NONCE,
                    "replayed upload: the nonce does not match round " + round.roundId()
                            + "; only the current task's nonce is accepted");
        }
        if (!round.isOpen()) {
            return reject(
                    Reason.ROUND_CLOSED,
                    "round " + round.roundId() + " is " + round.phase()
                            + "; an upload for it now is a replay or arrived too late");
        }
        if (round.reported().contains(site)) {
            return reject(Reason.ALREADY_REPORTED, "site " + site + " already uploaded for round " + round.roundId());
        }
        if (round.dropped().containsKey(site)) {
            return reject(
                    Reason.ALREADY_REPORTED,
                    "site " + site + " was dropped from round " + round.roundId() + ": "
                            + round.dropped().get(site));
        }
        if (m.getBaseModelVersion() != task.baseVersion()) {
            return reject(
                    Reason.WRONG_BASE_VERSION,
                    "update was computed from model version "
                            + m.getBaseModelVersion() + " but round " + task.roundId() + " distributed version "
                            + task.baseVersion());
        }
        boolean training = round.kind() == RoundKind.TRAIN;
        long expected = training ? modelLength * uploadVectors : 0;
        if (m.getNumParameters() != expected) {
            return reject(
                    Reason.WRONG_LENGTH,
                    "update has " + m.getNumParameters()
                            + " values but the model has " + expected
                            + (round.kind() == RoundKind.EVALUATE ? " expected for an evaluation-only task" : "")
                            + (training && uploadVectors > 1
                                    ? " (" + uploadVectors + " vectors of the model's " + modelLength
                                            + " parameters: the delta, then the control variate's change)"
                                    : ""));
        }
        long control = training && uploadVectors > 1 ? modelLength : 0;
        if (m.getControlVariateValues() != control) {
            return reject(
                    Reason.WRONG_LENGTH,
                    "update states " + m.getControlVariateValues() + " control-variate values where this round"
                            + " takes " + control + (control == 0 ? " (its strategy keeps no control variates)" : ""));
        }
        if (round.kind() == RoundKind.TRAIN) {
            // Under secure aggregation only masked ring elements may arrive: a plaintext update
            // would defeat the point, so it is refused rather than accepted "for now".
            TensorEncoding ring = ringBits == 16 ? TensorEncoding.UINT16_RING_LE : TensorEncoding.UINT32_RING_LE;
            TensorEncoding encoding = round.secure() ? ring : transfer.wire();
            int blockSize = round.secure() ? 0 : transfer.blockSize();
            if (m.getEncoding() != encoding || m.getBlockSize() != blockSize) {
                return reject(
                        Reason.WRONG_ENCODING,
                        "update encoding " + m.getEncoding()
                                + (m.getBlockSize() == 0 ? "" : " with blocks of " + m.getBlockSize())
                                + " is not accepted for this round; send " + encoding
                                + (blockSize == 0 ? "" : " with blocks of " + blockSize)
                                + (round.secure()
                                        ? " (masked input of secure aggregation)"
                                        : " (the study's transfer encoding)"));
            }
            // The weight comes from one place: the training size the site declared when it accepted the study.
            Long declared = round.declaredExamples().get(site);
            if (declared == null) {
                return reject(
                        Reason.BAD_EXAMPLE_COUNT,
                        "site " + site + " declared no training size for study " + round.studyId()
                                + " when it accepted it; its update cannot be weighed");
            }
            if (m.getExampleCount() != declared) {
                return reject(
                        Reason.BAD_EXAMPLE_COUNT,
                        "site " + site + " declared " + declared + " training"
                                + " examples when it accepted study " + round.studyId() + ", but its update for round "
                                + round.roundId() + " states example_count " + m.getExampleCount() + "; an update is"
                                + " weighed by the declared training size, so example_count must equal it");
            }
            if (m.getPayloadSha256().size() != 32) {
                return reject(Reason.MALFORMED, "payload_sha256 must be 32 bytes");
            }
        }
        var metrics = m.getMetrics();
        Long declaredSize = round.declaredExamples().get(site);
        var privateMetrics = privateMetrics(
                round, m, site, heldOut, declaredSize == null ? 0 : maxTestExamples(declaredSize, testFraction));
        if (privateMetrics.isPresent()) {
            return privateMetrics;
        }
        if (!Double.isFinite(metrics.getTrainLoss())
                || !Double.isFinite(metrics.getTestLoss())
                || !(metrics.getTestAccuracy() >= 0 && metrics.getTestAccuracy() <= 1)) {
            return reject(
                    Reason.MALFORMED,
                    "site " + site + " reports metrics that are not finite (train loss "
                            + metrics.getTrainLoss() + ", test loss " + metrics.getTestLoss()
                            + ") or an accuracy outside"
                            + " [0, 1] (" + metrics.getTestAccuracy() + ")");
        }
        if (metrics.getTestCorrect() < 0 || metrics.getTestExamples() < metrics.getTestCorrect()) {
            return reject(
                    Reason.BAD_EXAMPLE_COUNT,
                    "site " + site + " reports " + metrics.getTestCorrect()
                            + " correct of " + metrics.getTestExamples()
                            + " held-out examples; counts must be non-negative"
                            + " and test_correct at most test_examples");
        }
        Long declared = round.declaredExamples().get(site);
        long maxTest = heldOut.maxReported(declared == null ? 0 : maxTestExamples(declared, testFraction));
        if (metrics.getTestExamples() > maxTest) {
            return reject(
                    Reason.BAD_EXAMPLE_COUNT,
                    "site " + site + " reports " + metrics.getTestExamples()
                            + " held-out examples, more than the " + maxTest + " its declared training size ("
                            + (declared == null ? "none" : declared) + ") and the study's test fraction " + testFraction
                            + " allow; a site's evaluation counts are bounded by what it declared when it accepted the study");
        }
        return Optional.empty();
    }

    /**
     * Under DP, held-out metrics in clear are refused (they are not in any ε), and only the final
     * evaluation may carry a noised confusion matrix: at the study's noise, named as the payload. A
     * study without DP may carry none (its metrics travel in clear).
     */
    private static Optional<UploadRejection> privateMetrics(
            RoundState round, UpdateManifest m, String site, HeldOutRule rule, long maxHeldOut) {
        var metrics = m.getMetrics();
        if (rule.privateStudy()
                && (!metrics.getTestMetricsWithheld()
                        || metrics.getTestExamples() != 0
                        || metrics.getTestCorrect() != 0
                        || metrics.getTestAccuracy() != 0
                        || metrics.getTestLoss() != 0)) {
            return reject(
                    Reason.MALFORMED,
                    "site " + site + " sends held-out metrics in clear in a differentially"
                            + " private study; they are releases outside every ε: a site withholds them, and the final"
                            + " evaluation sends only its noised counts (score histogram or confusion matrix)");
        }
        var errors = ErrorSumsChecks.check(round, m, site, rule, maxHeldOut);
        if (errors.isPresent()) {
            return errors;
        }
        var histogram = ScoreHistogramChecks.check(round, m, site, rule, maxHeldOut);
        if (histogram.isPresent() || metrics.getNoisedConfusionCount() == 0) {
            return histogram;
        }
        if (round.kind() != RoundKind.EVALUATE || !(rule.evaluationNoise() > 0)) {
            return reject(
                    Reason.MALFORMED,
                    "site " + site + " sends a noised confusion matrix where the study's terms"
                            + " release none: only the final evaluation of a patient-level study with an evaluation noise"
                            + " multiplier carries one");
        }
        org.cohort.protocol.NoisedConfusion release;
        try {
            release = org.cohort.protocol.NoisedConfusion.from(metrics);
        } catch (IllegalArgumentException e) {
            return reject(
                    Reason.MALFORMED, "site " + site + "'s noised confusion matrix is malformed: " + e.getMessage());
        }
        if (release.classes() != rule.classes()) {
            return reject(
                    Reason.MALFORMED,
                    "site " + site + "'s confusion matrix has " + release.classes()
                            + " classes where the study's label has " + rule.classes());
        }
        return noisedCounts(
                release.counts(), release.noise(), release.sha256(), "confusion matrix", m, site, rule, maxHeldOut);
    }

    /**
     * A noised release's counts (a confusion matrix or a score histogram, named {@code what}): each
     * within {@link #NOISE_SLACK_SIGMAS} noise deviations of [0, the most held-out rows], at the
     * study's noise, and named by the signed payload digest.
     */
    static Optional<UploadRejection> noisedCounts(
            java.util.List<Long> counts,
            double noise,
            byte[] sha256,
            String what,
            UpdateManifest m,
            String site,
            HeldOutRule rule,
            long maxHeldOut) {
        double slack = NOISE_SLACK_SIGMAS * rule.evaluationNoise();
        if (counts.stream().anyMatch(c -> c < -slack || c > maxHeldOut + slack)) {
            return reject(
                    Reason.BAD_EXAMPLE_COUNT,
                    "site " + site + "'s noised " + what + " has a count outside"
                            + " [-" + Math.round(slack) + ", " + Math.round(maxHeldOut + slack) + "]: beyond "
                            + NOISE_SLACK_SIGMAS
                            + " standard deviations of the noise around what its declared training size allows");
        }
        if (noise != rule.evaluationNoise()) {
            return reject(
                    Reason.MALFORMED,
                    "site " + site + "'s " + what + " carries noise of σ " + noise + " where the study's terms set "
                            + rule.evaluationNoise());
        }
        if (!MessageDigest.isEqual(sha256, m.getPayloadSha256().toByteArray())) {
            return reject(
                    Reason.MALFORMED,
                    "site " + site + "'s signed payload digest does not name its noised " + what
                            + " (SHA-256 over the counts as big-endian 64-bit integers)");
        }
        return Optional.empty();
    }

    private static Optional<UploadRejection> reject(Reason reason, String message) {
        return Optional.of(new UploadRejection(reason, message));
    }
}
