package org.cohort.crypto.secagg;

/**
 * The only thing a round releases: Σ x_i over the survivors, in Z(2^32). With a {@link
 * RingQuantizer} sized for the round the sum never wraps, so {@link RingQuantizer#decode} reads it
 * back as signed integers.
 */
public record AggregateSum(byte[] roundNonce, int[] survivors, int[] sum) {

    public AggregateSum {
        roundNonce = roundNonce.clone();
        survivors = survivors.clone();
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
