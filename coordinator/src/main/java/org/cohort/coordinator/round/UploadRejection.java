package org.cohort.coordinator.round;

/** Why an upload was refused, with a message that tells the site's admin what happened. */
public record UploadRejection(Reason reason, String message) {

    public enum Reason {
        MALFORMED,
        SITE_MISMATCH,
        BAD_SIGNATURE,
        UNKNOWN_ROUND,
        ROUND_CLOSED,
        REPLAYED_NONCE,
        NOT_SELECTED,
        ALREADY_REPORTED,
        WRONG_BASE_VERSION,
        WRONG_LENGTH,
        WRONG_ENCODING,
        BAD_EXAMPLE_COUNT,
        DIGEST_MISMATCH,
        NON_FINITE,
        STORAGE_FULL,
        /** A site-level DP update whose L2 norm exceeds the study's clip norm. */
        OVER_NORM,
        /** A resumed upload whose offset or payload does not match what the coordinator holds. */
        RESUME_MISMATCH,
        /** The coordinator is still receiving an earlier stream of the same upload. */
        STILL_RECEIVING,
        /** The update's privacy charge would take its site past the study's ε budget. */
        OVER_BUDGET,
        /** The site was revoked before its upload was complete: nothing of it is counted. */
        REVOKED
    }

    /** Thrown through the upload path; the gRPC layer maps the reason to a status code. */
    public static final class Exception extends RuntimeException {
        private final UploadRejection rejection;

        public Exception(UploadRejection rejection) {
            super(rejection.message());
            this.rejection = rejection;
        }

        public UploadRejection rejection() {
            return rejection;
        }
    }

    public Exception asException() {
        return new Exception(this);
    }
}
