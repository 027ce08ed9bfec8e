package org.cohort.crypto.secagg;

/**
 * The round is over for this party and released nothing: too few sites remained to keep the
 * threshold, or a secret could not be rebuilt. Secrets held for the round were erased. The
 * coordinator abandons the round (no ledger charge) and may start a new one with a fresh nonce.
 */
public final class SecAggAbortedException extends SecAggException {

    SecAggAbortedException(String message) {
        super(message);
    }
}
