package org.cohort.coordinator.round;

import java.io.Serializable;
import java.util.HexFormat;

/**
 * A training task a site is still working on when the buffered round that sent it publishes
 * ({@link org.cohort.coordinator.aggregation.FedBuff}): the site is not sent another, and the
 * update it signs for this task counts in the round it is carried into, weighed by its staleness.
 * It keeps the identity of the attempt that sent it, since that is what the site signs and what
 * its own ledger charged.
 *
 * @param roundId     the attempt that sent the task (named by the site's signed manifest)
 * @param roundNumber that attempt's round
 * @param attempt     that attempt's number
 * @param nonce       that attempt's nonce
 * @param baseVersion the model version the site trains from
 */
public record CarriedTask(String roundId, int roundNumber, int attempt, byte[] nonce, long baseVersion)
        implements Serializable {
    public CarriedTask {
        nonce = nonce.clone();
    }

    /** The task that {@code round} sent. */
    static CarriedTask of(RoundState round) {
        return new CarriedTask(
                round.roundId(), round.roundNumber(), round.attempt(), round.nonce(), round.baseVersion());
    }

    @Override
    public byte[] nonce() {
        return nonce.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CarriedTask c
                && roundId.equals(c.roundId)
                && roundNumber == c.roundNumber
                && attempt == c.attempt
                && java.util.Arrays.equals(nonce, c.nonce)
                && baseVersion == c.baseVersion;
    }

    @Override
    public int hashCode() {
        return roundId.hashCode() * 31 + Long.hashCode(baseVersion);
    }

    @Override
    public String toString() {
        return "CarriedTask[" + roundId + " round=" + roundNumber + " attempt=" + attempt + " base=" + baseVersion
                + " nonce=" + HexFormat.of().formatHex(nonce, 0, Math.min(4, nonce.length)) + "…]";
    }
}
