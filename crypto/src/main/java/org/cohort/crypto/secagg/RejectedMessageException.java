package org.cohort.crypto.secagg;

/**
 * One incoming message was refused (wrong round, bad signature, failed decryption, duplicate,
 * out of order, wrong stage) and had no effect: the session is as it was before. Drop the message;
 * if it came from a site, that site counts as dropped unless a valid message follows in time.
 */
public final class RejectedMessageException extends SecAggException {

    RejectedMessageException(String message) {
        super(message);
    }

    RejectedMessageException(String message, Throwable cause) {
        super(message, cause);
    }
}
