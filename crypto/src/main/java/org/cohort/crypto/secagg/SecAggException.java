package org.cohort.crypto.secagg;

/** Why a secure-aggregation step did not go ahead; the three cases say what the caller should do. */
public abstract sealed class SecAggException extends RuntimeException
        permits SecAggAbortedException, RejectedMessageException, UnmaskRefusedException {

    SecAggException(String message) {
        super(message);
    }

    SecAggException(String message, Throwable cause) {
        super(message, cause);
    }
}
