package org.cohort.crypto.pki;

/** An enrollment token was refused; the message tells the site admin what to do next. */
public final class EnrollmentRejectedException extends RuntimeException {

    public enum Reason {
        /** Not of the form {@code cohort1.<id>.<secret>}. */
        MALFORMED,
        /** No such token, or the secret does not match (not told apart, so ids cannot be probed). */
        UNKNOWN,
        EXPIRED,
        ALREADY_USED
    }

    private final Reason reason;

    EnrollmentRejectedException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
