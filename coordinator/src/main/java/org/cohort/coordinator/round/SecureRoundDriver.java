package org.cohort.coordinator.round;

import com.google.protobuf.InvalidProtocolBufferException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.cohort.coordinator.ledger.ReleaseCharge;
import org.cohort.coordinator.study.Study;
import org.cohort.coordinator.study.StudyRepository;
import org.cohort.crypto.secagg.RejectedMessageException;
import org.cohort.crypto.secagg.SecAggAbortedException;
import org.cohort.crypto.secagg.wire.SecAggWire;
import org.cohort.protocol.v1.CoordinatorMessage;
import org.cohort.protocol.v1.SecAggRoster;
import org.cohort.protocol.v1.SecAggStep;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The driver's side of a secure round's SecAgg+ stages, one method per stage as Flower's SecAgg+
 * workflow has them: the sites advertise keys, share keys (relayed, encrypted between sites),
 * send masked inputs (to any replica, folded into masked partial sums), sign who survived, and
 * answer the unmask request; then only the sum is released. A stage closes when every site it
 * expects has answered or at its deadline; sites silent in a stage that needs them are dropped
 * first (the orchestrator does that through {@link RoundEnding#drop}, between {@link #endStage}
 * and {@link #closeStage}, since a drop may end the whole attempt).
 *
 * <p>Returns what the orchestrator does next ({@link Next}) instead of doing it: publishing and
 * retrying are other collaborators' jobs, and the orchestrator keeps their order.
 */
@Component
class SecureRoundDriver {
    private static final Logger log = LoggerFactory.getLogger(SecureRoundDriver.class);

    /** What the orchestrator does after a secure round moved. */
    sealed interface Next {}

    /** Nothing until the sites answer. */
    record Wait() implements Next {}

    /** Every site the stage expects has answered: close it now. */
    record CloseStage(String roundId) implements Next {}

    /** The survivors helped unmask: the sum can be released and the round published. */
    record Publish(String roundId) implements Next {}

    /** Secure aggregation aborted: the attempt fails, nothing released, and is retried. */
    record Retry(Transition failed) implements Next {}

    private static final Wait WAIT = new Wait();

    /** A stage that is closing and the sites that did not answer it, to be dropped for {@code reason} first. */
    record StageEnd(String roundId, SecureRound.Stage stage, List<String> late, String reason) {}

    private final RoundStore store;
    private final RoundCluster cluster;
    private final ReplicaSums sums;
    private final SecureRounds secure;
    private final StudyRepository studies;
    private final Clock clock;

    SecureRoundDriver(
            RoundStore store,
            RoundCluster cluster,
            ReplicaSums sums,
            SecureRounds secure,
            StudyRepository studies,
            Clock clock) {
        this.store = store;
        this.cluster = cluster;
        this.sums = sums;
        this.secure = secure;
        this.studies = studies;
        this.clock = clock;
    }

    /** A site's secure-aggregation message from its session; one that does not fit its stage is logged and ignored. */
    Next onStep(String site, SecAggStep step) {
        RoundState state = store.round(step.getRoundId());
        SecureRound sr = secure.get(step.getRoundId());
        if (state == null || sr == null || !sr.indexOf.containsKey(site)) {
            log.warn(
                    "ignoring secure-aggregation message from {} for round {}: no such secure round for that site",
                    site,
                    step.getRoundId());
            return WAIT;
        }
        int index = sr.indexOf.get(site);
        byte[] nonce = state.nonce();
        try {
            boolean complete = switch (step.getKindCase()) {
                case KEYS -> {
                    var keys = SecAggWire.keys(nonce, step.getKeys());
                    yield answer(
                            sr,
                            SecureRound.Stage.ADVERTISE_KEYS,
                            index,
                            keys.clientIndex(),
                            step,
                            () -> sr.server.receiveKeys(keys));
                }
                case SHARES -> shares(sr, index, nonce, step);
                case CONSISTENCY_SIGNATURE -> {
                    var sig = SecAggWire.signature(nonce, step.getConsistencySignature());
                    yield answer(
                            sr,
                            SecureRound.Stage.CONSISTENCY,
                            index,
                            sig.clientIndex(),
                            step,
                            () -> sr.server.receiveConsistencySignature(sig));
                }
                case UNMASK_RESPONSE -> {
                    var response = SecAggWire.unmaskResponse(nonce, step.getUnmaskResponse());
                    yield answer(
                            sr,
                            SecureRound.Stage.UNMASK,
                            index,
                            response.clientIndex(),
                            step,
                            () -> sr.server.receiveUnmaskResponse(response));
                }
                default -> throw new IllegalArgumentException("a site may not send " + step.getKindCase());
            };
            return complete ? new CloseStage(state.roundId()) : WAIT;
        } catch (RejectedMessageException | IllegalArgumentException e) {
            log.warn(
                    "round {}: rejected secure-aggregation message from {}: {}", state.roundId(), site, e.getMessage());
            return WAIT;
        } catch (SecAggAbortedException e) {
            return abort(state.roundId(), e.getMessage());
        }
    }

    /** Stage 1: a site's key shares, each encrypted for one neighbour, all of them sent by this site. */
    private static boolean shares(SecureRound sr, int index, byte[] nonce, SecAggStep step) {
        requireStage(sr, SecureRound.Stage.SHARE_KEYS, step);
        var shares = SecAggWire.shares(nonce, step.getShares());
        for (var share : shares) {
            requireIndex(share.sender(), index);
        }
        sr.server.receiveShares(shares);
        return sr.answered(index);
    }

    /** A site's answer in {@code stage}; true when everyone the stage expects has answered. */
    private static boolean answer(
            SecureRound sr, SecureRound.Stage stage, int index, int claimed, SecAggStep step, Runnable receive) {
        requireStage(sr, stage, step);
        requireIndex(claimed, index);
        receive.run();
        return sr.answered(index);
    }

    private static void requireStage(SecureRound sr, SecureRound.Stage expected, SecAggStep step) {
        if (sr.stage() != expected) {
            throw new IllegalArgumentException(
                    step.getKindCase() + " arrived in stage " + sr.stage() + ", expected in " + expected);
        }
    }

    private static void requireIndex(int claimed, int actual) {
        if (claimed != actual) {
            throw new IllegalArgumentException(
                    "message claims site index " + claimed + " but comes from index " + actual);
        }
    }

    /** Stage 2 on the driver: a site's masked input was counted (it went into a replica's masked partial sum). */
    void maskedInputIn(String roundId, String site) {
        SecureRound sr = secure.get(roundId);
        if (sr != null && sr.indexOf.containsKey(site)) {
            sr.answered(sr.indexOf.get(site));
        }
    }

    /** Whether the round's current stage has run past its deadline. */
    boolean overdue(String roundId, Instant now) {
        SecureRound sr = secure.get(roundId);
        return sr != null && sr.overdue(now);
    }

    /**
     * A site left the round during a key-exchange stage: the others need not wait for the stage
     * deadline. True when everyone else has answered, so the stage can close now.
     */
    boolean excused(String roundId, String site) {
        SecureRound sr = secure.get(roundId);
        return sr != null
                && sr.indexOf.containsKey(site)
                && (sr.stage() == SecureRound.Stage.ADVERTISE_KEYS || sr.stage() == SecureRound.Stage.SHARE_KEYS)
                && sr.excuse(sr.indexOf.get(site));
    }

    /** The round's current stage is to close: which sites did not answer it and must be dropped first. */
    Optional<StageEnd> endStage(String roundId) {
        SecureRound sr = secure.get(roundId);
        if (sr == null) {
            return Optional.empty();
        }
        String reason = switch (sr.stage()) {
            case ADVERTISE_KEYS -> "sent no keys before the key-exchange deadline";
            case SHARE_KEYS -> "sent no key shares before the deadline";
            case MASKED_INPUT -> "sent no masked input before the deadline";
            case CONSISTENCY, UNMASK, DONE -> null;
        };
        List<String> late =
                reason == null ? List.of() : sr.missing().stream().map(sr::site).toList();
        return Optional.of(new StageEnd(roundId, sr.stage(), late, reason));
    }

    /**
     * Closes a stage once its late sites are dropped, and starts the next one with the sites that
     * answered. The masked-input stage ends with the round's transition to aggregating instead
     * ({@link #startConsistency}); the unmask stage ends in publication.
     */
    Next closeStage(StageEnd end) {
        String roundId = end.roundId();
        SecureRound sr = secure.get(roundId);
        RoundState state = store.round(roundId);
        if (sr == null || sr.stage() != end.stage() || state == null) {
            return WAIT; // dropping the late sites ended the attempt, or moved it on already
        }
        try {
            return switch (end.stage()) {
                case ADVERTISE_KEYS -> state.isOpen() ? startShareKeys(sr, roundId) : WAIT;
                case SHARE_KEYS -> state.isOpen() ? startMaskedInput(sr, roundId) : WAIT;
                case CONSISTENCY -> startUnmask(sr, roundId);
                case UNMASK -> new Publish(roundId);
                case MASKED_INPUT, DONE -> WAIT;
            };
        } catch (SecAggAbortedException e) {
            return abort(roundId, e.getMessage());
        }
    }

    /** Key advertisement is over: each site gets the keys its neighbours advertised, to share its own keys with them. */
    private Next startShareKeys(SecureRound sr, String roundId) {
        var rosters = sr.server.closeAdvertiseKeys();
        sr.advance(SecureRound.Stage.SHARE_KEYS, rosters.keySet(), clock.instant());
        rosters.forEach((i, keys) -> sendStep(
                sr,
                i,
                roundId,
                b -> b.setRoster(SecAggRoster.newBuilder()
                        .addAllKeys(keys.stream().map(SecAggWire::keys).toList()))));
        return WAIT;
    }

    /** Key sharing is over: each site gets the shares sent to it and may send its masked input, to any replica. */
    private Next startMaskedInput(SecureRound sr, String roundId) {
        var relays = sr.server.closeShareKeys();
        sr.advance(SecureRound.Stage.MASKED_INPUT, relays.keySet(), clock.instant());
        // Before the shares go out: any replica may then take these sites' masked inputs.
        var roster = new TreeMap<String, Integer>();
        relays.keySet().forEach(i -> roster.put(sr.site(i), i));
        store.openMaskedInput(roundId, roster);
        relays.forEach((i, shares) -> sendStep(sr, i, roundId, b -> b.setShares(SecAggWire.shares(shares))));
        return WAIT;
    }

    /** The survivors have signed who survived: each is asked for what unmasks the sum. */
    private Next startUnmask(SecureRound sr, String roundId) {
        var requests = sr.server.closeConsistencyCheck();
        sr.advance(SecureRound.Stage.UNMASK, requests.keySet(), clock.instant());
        requests.forEach(
                (i, request) -> sendStep(sr, i, roundId, b -> b.setUnmaskRequest(SecAggWire.unmaskRequest(request))));
        return WAIT;
    }

    /**
     * The round has its masked inputs (all, or the deadline passed) and is aggregating: no replica
     * takes another, the replicas' masked partial sums go to the server, and the survivors are
     * asked to sign who survived.
     */
    Next startConsistency(RoundState state) {
        SecureRound sr = secure.get(state.roundId());
        try {
            // No replica takes another masked input once the roster is gone; then the partial sums are sealed.
            store.closeMaskedInput(state.roundId());
            try {
                state = feedMaskedPartialSums(state, sr);
            } catch (RuntimeException e) {
                return abort(
                        state.roundId(), "the replicas' masked partial sums could not be merged: " + e.getMessage());
            }
            store.save(state);
            var request = sr.server.closeMaskedInput();
            var survivors = new TreeSet<Integer>();
            for (int i : request.survivors()) {
                survivors.add(i);
            }
            sr.advance(SecureRound.Stage.CONSISTENCY, survivors, clock.instant());
            String roundId = state.roundId();
            for (int i : survivors) {
                sendStep(sr, i, roundId, b -> b.setConsistencyRequest(SecAggWire.consistencyRequest(request)));
            }
            return WAIT;
        } catch (SecAggAbortedException e) {
            return abort(state.roundId(), e.getMessage());
        }
    }

    /**
     * Seals every replica's masked partial sum and feeds them, chunk by chunk, to the secure-
     * aggregation server as sums of the sites each holds. The round goes on with exactly those
     * sites (one lost with a replica counts as dropped: its masks are rebuilt like any dropout's),
     * and their charges are what the ledger records if the sum is unmasked.
     */
    private RoundState feedMaskedPartialSums(RoundState state, SecureRound sr) {
        Study study = studies.find(state.studyId()).orElseThrow();
        byte[] nonce = state.nonce();
        var contributors = new TreeSet<String>();
        var charges = new TreeMap<String, ReleaseCharge>();
        int length = sr.vectorLength;
        for (PartialSums.Sealed part : sums.sealAll(state.roundId()).values()) {
            if (part.broken()) {
                throw new IllegalStateException("replica " + part.memberUuid() + " could not read back a masked input");
            }
            if (part.contributions().isEmpty()) {
                continue;
            }
            var clients = new TreeSet<Integer>();
            for (PartialSums.Contribution c : part.contributions()) {
                clients.add(sr.indexOf.get(c.siteId()));
                contributors.add(c.siteId());
                ReleaseCharges.of(study, state, c).ifPresent(charge -> charges.put(c.siteId(), charge));
            }
            for (int offset = 0; offset < length; offset += ReplicaSums.SLICE_VALUES) {
                int n = Math.min(ReplicaSums.SLICE_VALUES, length - offset);
                sr.server.receiveMaskedPartialSum(
                        clients, nonce, offset, sums.ringSlice(part.memberUuid(), state.roundId(), offset, n));
            }
        }
        sr.charges(charges);
        return RoundStateMachine.withContributors(state, contributors);
    }

    private Retry abort(String roundId, String reason) {
        log.warn("round {}: secure aggregation aborted, nothing released: {}", roundId, reason);
        RoundState failed = RoundStateMachine.abandoned(
                store.round(roundId), "secure aggregation aborted, nothing released: " + reason);
        return new Retry(new Transition(failed, RoundDecision.RETRY));
    }

    private void sendStep(SecureRound sr, int index, String roundId, Consumer<SecAggStep.Builder> body) {
        var b = SecAggStep.newBuilder().setRoundId(roundId);
        body.accept(b);
        cluster.send(
                sr.site(index), CoordinatorMessage.newBuilder().setSecagg(b).build());
    }

    /** Parses a secure-aggregation message relayed through the driver's inbox; empty when it is malformed. */
    static Optional<SecAggStep> parse(String site, byte[] step) {
        try {
            return Optional.of(SecAggStep.parseFrom(step));
        } catch (InvalidProtocolBufferException e) {
            log.warn("ignoring a malformed secure-aggregation message from {}", site);
            return Optional.empty();
        }
    }
}
