package org.cohort.coordinator.round;

import java.util.List;
import java.util.Map;

/**
 * The driving replica's reach into every replica's {@link PartialSums}: seal a round, pull a
 * sealed sum chunk by chunk, list what each holds, forget a round. {@link PartialSumCalls} does it
 * over Hazelcast's executor; the round engine's tests hold several replicas' sums in one process.
 */
interface ReplicaSums {
    /** Values per pull: 8 MiB of doubles, so merging a large model never holds more than a chunk per replica. */
    int SLICE_VALUES = 1 << 20;

    /**
     * Seals the round on every replica, by member UUID. A replica that left the cluster is left out
     * (what it held is lost); one that is still a member but does not answer makes the call fail.
     */
    Map<String, PartialSums.Sealed> sealAll(String roundId);

    /** Which sites each replica holds uploads of, for the round, by member UUID. */
    Map<String, List<String>> holdersAll(String roundId);

    /** A chunk of a replica's sealed partial sum. */
    double[] slice(String memberUuid, String roundId, long offset, int count);

    /** A chunk of one site's update a replica holds whole (a robust strategy's round). */
    float[] updateSlice(String memberUuid, String roundId, String siteId, long offset, int count);

    /** Adds a chunk of a replica's sealed partial sum to {@code into[0..count)}. */
    default void addSlice(String memberUuid, String roundId, long offset, int count, double[] into) {
        double[] slice = slice(memberUuid, roundId, offset, count);
        for (int i = 0; i < count; i++) {
            into[i] += slice[i];
        }
    }

    /** A chunk of a replica's sealed masked partial sum (ring elements). */
    int[] ringSlice(String memberUuid, String roundId, int offset, int count);

    /** Every replica forgets the round (best effort: a replica that misses it sweeps the round later). */
    void discardAll(String roundId);
}
