package org.cohort.coordinator.round;

import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.cohort.coordinator.cluster.EncryptedInCluster;

/**
 * Immutable snapshot of one attempt of one round. It lives in the cluster (Hazelcast map),
 * so it is plain serializable data, sealed there because it carries the round nonce; all
 * transitions are computed by {@link RoundStateMachine}.
 *
 * @param selected sites that were sent the task
 * @param reported sites whose upload was accepted
 * @param dropped  sites that refused, failed or were rejected, with the reason people see
 * @param declaredExamples the training size each selected site declared when it accepted the study,
 *                 as it stood when the round began: the FedAvg weight of its update (public by assumption)
 */
public record RoundState(
        String roundId,
        String studyId,
        int roundNumber,
        int attempt,
        RoundKind kind,
        long baseVersion,
        byte[] nonce,
        Set<String> selected,
        Set<String> reported,
        Map<String, String> dropped,
        int minSites,
        Instant startedAt,
        Instant deadline,
        RoundPhase phase,
        String detail,
        boolean secure,
        Map<String, Long> declaredExamples)
        implements EncryptedInCluster {

    public RoundState {
        nonce = nonce.clone();
        selected = Set.copyOf(new TreeSet<>(selected));
        reported = Set.copyOf(reported);
        dropped = Map.copyOf(dropped);
        declaredExamples = Map.copyOf(declaredExamples);
        if (!selected.containsAll(reported)
                || !selected.containsAll(dropped.keySet())
                || !selected.containsAll(declaredExamples.keySet())) {
            throw new IllegalArgumentException("reported, dropped and declaring sites must have been selected");
        }
    }

    @Override
    public byte[] nonce() {
        return nonce.clone();
    }

    /** Sites still expected to report. */
    public Set<String> outstanding() {
        var rest = new TreeSet<>(selected);
        rest.removeAll(reported);
        rest.removeAll(dropped.keySet());
        return rest;
    }

    public boolean isOpen() {
        return phase == RoundPhase.COLLECTING;
    }

    RoundState with(Set<String> newReported, Map<String, String> newDropped, RoundPhase newPhase, String newDetail) {
        return new RoundState(
                roundId,
                studyId,
                roundNumber,
                attempt,
                kind,
                baseVersion,
                nonce,
                selected,
                newReported,
                newDropped,
                minSites,
                startedAt,
                deadline,
                newPhase,
                newDetail,
                secure,
                declaredExamples);
    }

    Map<String, String> droppedPlus(String site, String reason) {
        var copy = new LinkedHashMap<>(dropped);
        copy.put(site, reason);
        return copy;
    }

    @Override
    public String toString() {
        return "RoundState[" + roundId + " study=" + studyId + " round=" + roundNumber + " attempt=" + attempt
                + " " + kind + " " + phase + " selected=" + selected + " reported=" + reported
                + " dropped=" + dropped.keySet() + " nonce=" + HexFormat.of().formatHex(nonce, 0, 4) + "…]";
    }
}
