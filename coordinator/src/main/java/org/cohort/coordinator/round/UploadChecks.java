package org.cohort.coordinator.round;

import java.security.MessageDigest;
import java.util.Optional;
import org.cohort.coordinator.round.UploadRejection.Reason;
import org.cohort.protocol.v1.TensorEncoding;
import org.cohort.protocol.v1.UpdateManifest;

/**
 * The checks an upload's signed manifest must pass against the round it names, before a
 * single value of it is read. Pure: the caller supplies the round state (or null when the
 * round id is unknown) and the model length.
 */
public final class UploadChecks {
    private UploadChecks() {}

    public static Optional<UploadRejection> check(RoundState round, UpdateManifest m, String site, long modelLength) {
        if (round == null) {
            return reject(Reason.UNKNOWN_ROUND, "no round with id '" + m.getRoundId() + "'");
        }
        if (!round.selected().contains(site)) {
            return reject(Reason.NOT_SELECTED, "site " + site + " was not selected for round " + round.roundId());
        }
        // A nonce from another attempt means this upload was captured and replayed (or is very late).
        if (!MessageDigest.isEqual(round.nonce(), m.getNonce().toByteArray())) {
            return reject(Reason.REPLAYED_NONCE, "replayed upload: the nonce does not match round "
                    + round.roundId() + "; only the current task's nonce is accepted");
        }
        if (!round.isOpen()) {
            return reject(Reason.ROUND_CLOSED, "round " + round.roundId() + " is " + round.phase()
                    + "; an upload for it now is a replay or arrived too late");
        }
        if (round.reported().contains(site)) {
            return reject(Reason.ALREADY_REPORTED, "site " + site + " already uploaded for round " + round.roundId());
        }
        if (round.dropped().containsKey(site)) {
            return reject(Reason.ALREADY_REPORTED, "site " + site + " was dropped from round " + round.roundId()
                    + ": " + round.dropped().get(site));
        }
        if (m.getBaseModelVersion() != round.baseVersion()) {
            return reject(Reason.WRONG_BASE_VERSION, "update was computed from model version "
                    + m.getBaseModelVersion() + " but round " + round.roundId() + " distributed version "
                    + round.baseVersion());
        }
        long expected = round.kind() == RoundKind.TRAIN ? modelLength : 0;
        if (m.getNumParameters() != expected) {
            return reject(Reason.WRONG_LENGTH, "update has " + m.getNumParameters()
                    + " values but the model has " + expected + (round.kind() == RoundKind.EVALUATE
                    ? " expected for an evaluation-only task" : ""));
        }
        if (round.kind() == RoundKind.TRAIN) {
            // Under secure aggregation only masked ring elements may arrive: a plaintext update
            // would defeat the point, so it is refused rather than accepted "for now".
            TensorEncoding encoding = round.secure() ? TensorEncoding.UINT32_RING_LE : TensorEncoding.FLOAT32_LE;
            if (m.getEncoding() != encoding) {
                return reject(Reason.WRONG_ENCODING, "update encoding " + m.getEncoding()
                        + " is not accepted for this round; send " + encoding
                        + (round.secure() ? " (masked input of secure aggregation)" : ""));
            }
            if (m.getExampleCount() <= 0) {
                return reject(Reason.BAD_EXAMPLE_COUNT, "example_count must be positive for a training update, got "
                        + m.getExampleCount());
            }
            if (m.getPayloadSha256().size() != 32) {
                return reject(Reason.MALFORMED, "payload_sha256 must be 32 bytes");
            }
        }
        var metrics = m.getMetrics();
        if (!Double.isFinite(metrics.getTrainLoss()) || !Double.isFinite(metrics.getTestLoss())
                || metrics.getTestCorrect() < 0 || metrics.getTestExamples() < metrics.getTestCorrect()) {
            return reject(Reason.MALFORMED, "metrics are not finite or counts are inconsistent");
        }
        return Optional.empty();
    }

    private static Optional<UploadRejection> reject(Reason reason, String message) {
        return Optional.of(new UploadRejection(reason, message));
    }
}
