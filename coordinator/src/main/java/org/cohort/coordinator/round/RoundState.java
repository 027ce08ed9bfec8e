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
 * @param bufferSize how many reports close the round ({@link org.cohort.coordinator.aggregation.FedBuff}'s K);
 *                 0: the round waits for every selected site (or its deadline)
 * @param carried  selected sites still training on a task of an earlier buffered round: they are sent
 *                 no task by this one, and the update they sign for that task counts here
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
        Map<String, Long> declaredExamples,
        int bufferSize,
        Map<String, CarriedTask> carried)
        implements EncryptedInCluster {

    public RoundState {
        nonce = nonce.clone();
        selected = Set.copyOf(new TreeSet<>(selected));
        reported = Set.copyOf(reported);
        dropped = Map.copyOf(dropped);
        declaredExamples = Map.copyOf(declaredExamples);
        carried = carried == null ? Map.of() : Map.copyOf(carried);
        if (!selected.containsAll(reported)
                || !selected.containsAll(dropped.keySet())
                || !selected.containsAll(declaredExamples.keySet())
                || !selected.containsAll(carried.keySet())) {
            throw new IllegalArgumentException(
                    "reported, dropped, declaring and carried sites must have been selected");
        }
        if (bufferSize < 0) {
            throw new IllegalArgumentException("a round's buffer size must be at least 0, got " + bufferSize);
        }
    }

    /** The task the site's update answers: the one it carried in, else this round's. */
    public CarriedTask task(String site) {
        CarriedTask c = carried.get(site);
        return c != null ? c : CarriedTask.of(this);
    }

    /** Whether the round publishes after {@link #bufferSize} reports rather than waiting for every site. */
    public boolean buffered() {
        return bufferSize > 0;
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
        return toBuilder()
                .reported(newReported)
                .dropped(newDropped)
                .phase(newPhase)
                .detail(newDetail)
                .build();
    }

    /** A builder holding this state's values, to change some of them. */
    public Builder toBuilder() {
        return new Builder()
                .roundId(roundId)
                .studyId(studyId)
                .roundNumber(roundNumber)
                .attempt(attempt)
                .kind(kind)
                .baseVersion(baseVersion)
                .nonce(nonce)
                .selected(selected)
                .reported(reported)
                .dropped(dropped)
                .minSites(minSites)
                .startedAt(startedAt)
                .deadline(deadline)
                .phase(phase)
                .detail(detail)
                .secure(secure)
                .declaredExamples(declaredExamples)
                .bufferSize(bufferSize)
                .carried(carried);
    }

    /** A round that has just started: nothing reported or dropped yet, collecting, not secure. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Names each of the nineteen values instead of a positional list. Every value without a
     * default must be set; {@link #build()} says which is missing, and the record's constructor
     * checks how they fit together.
     */
    public static final class Builder {
        private String roundId;
        private String studyId;
        private Integer roundNumber;
        private int attempt = 1;
        private RoundKind kind = RoundKind.TRAIN;
        private Long baseVersion;
        private byte[] nonce;
        private Set<String> selected;
        private Set<String> reported = Set.of();
        private Map<String, String> dropped = Map.of();
        private Integer minSites;
        private Instant startedAt;
        private Instant deadline;
        private RoundPhase phase = RoundPhase.COLLECTING;
        private String detail = "";
        private boolean secure;
        private Map<String, Long> declaredExamples = Map.of();
        private int bufferSize;
        private Map<String, CarriedTask> carried = Map.of();

        private Builder() {}

        public Builder bufferSize(int v) {
            bufferSize = v;
            return this;
        }

        public Builder carried(Map<String, CarriedTask> v) {
            carried = v;
            return this;
        }

        public Builder roundId(String v) {
            roundId = v;
            return this;
        }

        public Builder studyId(String v) {
            studyId = v;
            return this;
        }

        public Builder roundNumber(int v) {
            roundNumber = v;
            return this;
        }

        public Builder attempt(int v) {
            attempt = v;
            return this;
        }

        public Builder kind(RoundKind v) {
            kind = v;
            return this;
        }

        public Builder baseVersion(long v) {
            baseVersion = v;
            return this;
        }

        public Builder nonce(byte[] v) {
            nonce = v;
            return this;
        }

        public Builder selected(Set<String> v) {
            selected = v;
            return this;
        }

        public Builder reported(Set<String> v) {
            reported = v;
            return this;
        }

        public Builder dropped(Map<String, String> v) {
            dropped = v;
            return this;
        }

        public Builder minSites(int v) {
            minSites = v;
            return this;
        }

        public Builder startedAt(Instant v) {
            startedAt = v;
            return this;
        }

        public Builder deadline(Instant v) {
            deadline = v;
            return this;
        }

        public Builder phase(RoundPhase v) {
            phase = v;
            return this;
        }

        public Builder detail(String v) {
            detail = v;
            return this;
        }

        public Builder secure(boolean v) {
            secure = v;
            return this;
        }

        public Builder declaredExamples(Map<String, Long> v) {
            declaredExamples = v;
            return this;
        }

        public RoundState build() {
            var missing = new java.util.ArrayList<String>();
            if (roundId == null) missing.add("roundId");
            if (studyId == null) missing.add("studyId");
            if (roundNumber == null) missing.add("roundNumber");
            if (baseVersion == null) missing.add("baseVersion");
            if (nonce == null) missing.add("nonce");
            if (selected == null) missing.add("selected");
            if (minSites == null) missing.add("minSites");
            if (startedAt == null) missing.add("startedAt");
            if (deadline == null) missing.add("deadline");
            if (!missing.isEmpty()) {
                throw new IllegalStateException("a round state needs " + String.join(", ", missing));
            }
            return new RoundState(
                    roundId,
                    studyId,
                    roundNumber,
                    attempt,
                    kind,
                    baseVersion,
                    nonce,
                    selected,
                    reported,
                    dropped,
                    minSites,
                    startedAt,
                    deadline,
                    phase,
                    detail,
                    secure,
                    declaredExamples,
                    bufferSize,
                    carried);
        }
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
                + " dropped=" + dropped.keySet() + (carried.isEmpty() ? "" : " carried=" + carried.keySet())
                + (bufferSize > 0 ? " buffer=" + bufferSize : "") + " nonce="
                + HexFormat.of().formatHex(nonce, 0, 4) + "…]";
    }
}
