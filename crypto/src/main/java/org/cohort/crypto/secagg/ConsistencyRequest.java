package org.cohort.crypto.secagg;

/**
 * Stage 3, server to every survivor: the set U3 of sites whose masked input arrived in full, in
 * ascending order. Each survivor signs it, so that no two sites can later be told different sets.
 */
public record ConsistencyRequest(byte[] roundNonce, int[] survivors) {

    public ConsistencyRequest {
        Messages.requireNonce(roundNonce, "consistency request");
        survivors = Messages.requireAscending(survivors, "survivors of the consistency request");
        roundNonce = roundNonce.clone();
    }

    @Override
    public byte[] roundNonce() {
        return roundNonce.clone();
    }

    @Override
    public int[] survivors() {
        return survivors.clone();
    }
}
