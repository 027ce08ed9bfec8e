package org.cohort.coordinator.round;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * The secure rounds this replica drives. Unlike the rest of a round's state this lives only here:
 * the secure-aggregation server holds the sites' key material of the attempt, so a new driver
 * cannot continue the round and abandons it instead. Whoever ends an attempt ends its server too,
 * so no stage of an ended attempt can still unmask anything.
 */
@Component
class SecureRounds {
    private final Map<String, SecureRound> byRound = new ConcurrentHashMap<>();

    /** The round's secure aggregation, or null for a plain round (or one this replica does not drive). */
    SecureRound get(String roundId) {
        return byRound.get(roundId);
    }

    boolean drives(String roundId) {
        return byRound.containsKey(roundId);
    }

    void begin(String roundId, SecureRound round) {
        byRound.put(roundId, round);
    }

    /** Hands the round's secure aggregation to whoever releases its sum; null when there is none. */
    SecureRound take(String roundId) {
        return byRound.remove(roundId);
    }

    /** Ends the round's secure aggregation without releasing anything. */
    void end(String roundId, String reason) {
        SecureRound sr = byRound.remove(roundId);
        if (sr != null) {
            sr.server.abandon(reason);
        }
    }

    /** Ends every one (this replica stopped driving rounds). */
    void endAll(String reason) {
        List.copyOf(byRound.keySet()).forEach(roundId -> end(roundId, reason));
    }
}
