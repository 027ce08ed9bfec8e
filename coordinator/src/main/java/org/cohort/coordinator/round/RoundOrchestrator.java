package org.cohort.coordinator.round;

import com.google.protobuf.ByteString;
import com.hazelcast.core.HazelcastInstance;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.cohort.coordinator.aggregation.DpFedAvg;
import org.cohort.coordinator.aggregation.Strategy;
import org.cohort.coordinator.aggregation.WeightedSum;
import org.cohort.coordinator.cluster.ClusterSessions;
import org.cohort.coordinator.cluster.LeaderInbox;
import org.cohort.coordinator.compliance.AuditTrail;
import org.cohort.coordinator.compliance.RoundCompliance;
import org.cohort.coordinator.ledger.Release;
import org.cohort.coordinator.ledger.ReleaseCharge;
import org.cohort.coordinator.ledger.SiteCharge;
import org.cohort.coordinator.registry.ModelRegistry;
import org.cohort.coordinator.registry.ModelVersion;
import org.cohort.coordinator.site.SiteRepository;
import org.cohort.coordinator.study.Study;
import org.cohort.coordinator.study.StudyRepository;
import org.cohort.coordinator.study.StudyStatus;
import org.cohort.protocol.ProtocolLimits;
import org.cohort.protocol.v1.CancelTask;
import org.cohort.protocol.v1.CoordinatorMessage;
import org.cohort.protocol.v1.RoundTask;
import org.cohort.protocol.v1.TaskKind;
import org.cohort.protocol.v1.UpdateManifest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Drives every running study through its rounds: selects the cohort among the sites connected
 * to any replica that accepted the study, sends tasks, closes rounds on completion or deadline,
 * merges the replicas' partial sums, retries rounds that had too few reports, and publishes each
 * new model version. The rules live in {@link RoundStateMachine}; this class is the I/O around
 * them. Round state lives in the Hazelcast cluster; exactly one replica (see
 * {@link org.cohort.coordinator.cluster.Leadership}) drives rounds, and its lock serialises
 * transitions.
 *
 * <p>Every replica accepts uploads: a plain update is verified and folded into the partial sum
 * of the replica that received it ({@link PartialSums}), claimed cluster-wide so no site counts
 * twice, and the driver is told. A masked input of secure aggregation likewise goes into the
 * receiving replica's masked partial sum; the driver feeds the sealed partial sums to the
 * secure-aggregation server it holds, which removes the masks from the total only. When a replica leaves the cluster the uploads it
 * held are asked for again; the sites re-send the same signed update, so nothing is spent twice.
 *
 * <p>Privacy is charged per release, not per round: a plain update the moment it has been
 * received and verified (on the replica that received it, before it could be lost with that
 * replica or its attempt abandoned), a secure round's masked inputs just before their sum is
 * unmasked. A retried attempt trains again with fresh noise and is charged again; the same
 * signed update received twice is one release (see {@link Release}).
 */
@Component
public class RoundOrchestrator {
    private static final Logger log = LoggerFactory.getLogger(RoundOrchestrator.class);

    private final Object lock = new Object();
    /** The cluster's round state: rounds, each study's active round, upload claims, masked-input rosters. */
    private final RoundStore store;
    private final Map<String, SecureRound> secureRounds = new ConcurrentHashMap<>();
    /** Per open secure round, what each accepted masked input costs its site; charged when the sum is unmasked. */
    private final Map<String, Map<String, ReleaseCharge>> chargesByRound = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicBoolean membersLeft = new java.util.concurrent.atomic.AtomicBoolean();
    private final PartialSums partials;
    private final PartialSumCalls partialCalls;
    private final LeaderInbox inbox;
    private final RoundCompliance compliance;
    private final AuditTrail auditTrail;
    private final org.cohort.coordinator.cluster.Leadership leadership;
    private final StudyRepository studies;
    private final RoundRepository history;
    private final ModelRegistry registry;
    private final ClusterSessions sessions;
    private final SiteRepository sites;
    private final TaskFactory tasks;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    RoundOrchestrator(HazelcastInstance hazelcast, RoundStore store, StudyRepository studies, RoundRepository history,
                             ModelRegistry registry, ClusterSessions sessions, SiteRepository sites, TaskFactory tasks,
                             RoundCompliance compliance, AuditTrail auditTrail,
                             org.cohort.coordinator.cluster.Leadership leadership, LeaderInbox inbox,
                             PartialSums partials, PartialSumCalls partialCalls, Clock clock) {
        this.inbox = inbox;
        this.partials = partials;
        this.partialCalls = partialCalls;
        this.store = store;
        this.leadership = leadership;
        this.compliance = compliance;
        this.auditTrail = auditTrail;
        this.studies = studies;
        this.history = history;
        this.registry = registry;
        this.sessions = sessions;
        this.sites = sites;
        this.tasks = tasks;
        this.clock = clock;
        hazelcast.getUserContext().put(RoundOrchestrator.class.getName(), this);
        hazelcast.getCluster().addMembershipListener(new com.hazelcast.cluster.MembershipListener() {
            @Override
            public void memberAdded(com.hazelcast.cluster.MembershipEvent event) {}

            @Override
            public void memberRemoved(com.hazelcast.cluster.MembershipEvent event) {
                membersLeft.set(true);
            }
        });
        inbox.handleWith(this::onLeaderEvent);
    }

    /** Decides leadership at once, so agents are not refused for a tick after start. */
    @jakarta.annotation.PostConstruct
    void start() {
        synchronized (lock) {
            lead();
        }
    }

    @Scheduled(fixedDelayString = "${cohort.coordinator.tick-millis:200}")
    public void tick() {
        if (!leadership.inQuorum()) {
            // The minority side of a split: its agents must move to replicas that can reach the driver.
            sessions.disconnectAllHere(io.grpc.Status.UNAVAILABLE.withDescription("this coordinator replica lost"
                    + " contact with a quorum of the cluster; reconnect to another address"));
        }
        sweepPartialSums();
        synchronized (lock) {
            if (!lead()) {
                return;
            }
            if (membersLeft.getAndSet(false)) {
                recoverLostUploads();
            }
            for (Study study : studies.all()) {
                try {
                    drive(study);
                } catch (RuntimeException e) {
                    log.error("study {}: round step failed", study.studyId(), e);
                }
            }
        }
    }

    /**
     * Frees this replica's partial sums of rounds that closed (the driver's request to forget them
     * may not have reached it); a round being merged keeps its sum.
     */
    private void sweepPartialSums() {
        for (String roundId : partials.rounds()) {
            try {
                RoundState state = store.round(roundId);
                if (state == null || state.phase() == RoundPhase.COMPLETED || state.phase() == RoundPhase.FAILED) {
                    partials.discard(roundId);
                }
            } catch (RuntimeException e) {
                return; // the cluster is not reachable now; the next tick tries again
            }
        }
    }

    /** Whether this replica drives rounds now (every replica in the quorum serves agents). */
    public boolean drivesRounds() {
        return leadership.leading();
    }

    /** Whether this replica may serve agents: it sees a quorum of the cluster. */
    public boolean servesAgents() {
        return leadership.inQuorum();
    }

    /** What the other replicas tell the driver; runs here only while this replica drives rounds. */
    private void onLeaderEvent(LeaderInbox.Event event) {
        switch (event) {
            case LeaderInbox.SiteDropped d -> dropSiteAsDriver(d.roundId(), d.siteId(), d.outcome(), d.reason());
            case LeaderInbox.SecAggMessage m -> {
                try {
                    onSecAggStep(m.siteId(), org.cohort.protocol.v1.SecAggStep.parseFrom(m.step()));
                } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                    log.warn("ignoring a malformed secure-aggregation message from {}", m.siteId());
                }
            }
            case LeaderInbox.SiteConnected c -> resendOpenTasks(c.siteId());
            case LeaderInbox.UploadHeld h -> uploadHeld(h);
        }
    }

    /** An upload was folded into a replica's partial sum: the site has reported, if that replica still holds it. */
    private void uploadHeld(LeaderInbox.UploadHeld h) {
        synchronized (lock) {
            RoundState state = store.round(h.roundId());
            if (state == null || !state.isOpen() || !state.outstanding().contains(h.siteId())
                    || !h.memberUuid().equals(store.claimHolder(h.roundId(), h.siteId()))
                    || !sessions.aliveMembers().contains(h.memberUuid())) {
                return; // closed, already counted, or the holder is gone (its loss is handled on its own)
            }
            SecureRound sr = secureRounds.get(h.roundId());
            if (sr != null && sr.indexOf.containsKey(h.siteId())) {
                sr.answered(sr.indexOf.get(h.siteId()));
            }
            apply(RoundStateMachine.onUploadAccepted(state, h.siteId()));
        }
    }

    /** Uploads held by replicas that left the cluster: their sites are outstanding again and asked to re-send. */
    private void recoverLostUploads() {
        for (String roundId : store.activeRoundIds()) {
            RoundState state = store.round(roundId);
            if (state != null && state.isOpen() && !state.secure()) {
                recoverLostUploads(state);
            }
        }
    }

    private void recoverLostUploads(RoundState state) {
        Set<String> alive = sessions.aliveMembers();
        for (String site : state.selected()) {
            String holder = store.claimHolder(state.roundId(), site);
            boolean lost = holder != null && !alive.contains(holder);
            if (lost) {
                store.releaseClaim(state.roundId(), site, holder);
            }
            RoundState current = store.round(state.roundId());
            if (current == null || !current.isOpen()) {
                return;
            }
            if (lost && current.outstanding().contains(site)) {
                // Held but not yet counted when its replica died: the site may believe it was accepted.
                log.warn("round {}: the replica holding the update of {} left before it was counted; asking again",
                        state.roundId(), site);
                sendTask(current, site);
            } else if (current.reported().contains(site) && (holder == null || lost)) {
                String reason = "the coordinator replica that held the update of " + site + " left the cluster; the"
                        + " site is asked to send the same update again";
                log.warn("round {}: {}", state.roundId(), reason);
                history.insertReport(state.roundId(), site, "LOST", null, null, null, reason, clock.instant());
                apply(RoundStateMachine.onUploadLost(current, site, reason));
                sendTask(store.round(state.roundId()), site);
            }
        }
    }

    /**
     * Continues a collecting round that another replica drove: the uploads live replicas hold
     * count (a notice may have been lost with the old driver), those held by the lost driver are
     * asked for again, and every outstanding site gets its task again in case it missed it.
     */
    private void adopt(RoundState state) {
        // First what died with the old driver (so a round completed by the count below has asked for it),
        recoverLostUploads(state);
        // then what the live replicas hold but the old driver had not counted yet.
        for (var held : partialCalls.holdersAll(state.roundId()).entrySet()) {
            for (String site : held.getValue()) {
                RoundState current = store.round(state.roundId());
                if (current.isOpen() && current.outstanding().contains(site)
                        && held.getKey().equals(store.claimHolder(state.roundId(), site))) {
                    apply(RoundStateMachine.onUploadAccepted(current, site));
                }
            }
        }
        RoundState current = store.round(state.roundId());
        if (current != null && current.isOpen()) {
            log.info("round {} of study {} continues under this replica: {} reported, {} outstanding",
                    current.roundNumber(), current.studyId(), current.reported(), current.outstanding());
            current.outstanding().forEach(site -> sendTask(current, site));
        }
    }

    /** Renews this replica's claim to drive rounds; takes over or steps down when that changes. */
    private boolean lead() {
        switch (leadership.refresh()) {
            case ACQUIRED -> takeOver();
            case LOST -> stepDown();
            case NONE -> { }
        }
        return leadership.leading();
    }

    /**
     * This replica starts driving rounds. A collecting round the cluster still holds continues
     * ({@link #adopt}): the partial sums are with the replicas that received the uploads. A secure
     * round cannot — its secure-aggregation server was with the driver — nor can a round that was
     * being merged, or one the cluster lost entirely (all replicas restarted): those are closed
     * cleanly, nothing from them published or charged, and each study retries its round.
     */
    private void takeOver() {
        String reason = "abandoned: the coordinator replica driving this round stopped; replica "
                + leadership.memberId() + " retries it (lease term " + leadership.term() + ")";
        var continued = new java.util.HashSet<String>();
        for (String roundId : store.activeRoundIds()) {
            RoundState state = store.round(roundId);
            if (state == null) {
                store.forgetActive(roundId);
            } else if (state.isOpen() && !state.secure()) {
                try {
                    adopt(state);
                    continued.add(roundId);
                } catch (RuntimeException e) {
                    log.warn("round {} cannot be continued ({}); it is closed and retried", roundId, e.getMessage());
                    abandon(store.round(roundId), reason + " (it could not be continued: " + e.getMessage() + ")");
                }
            } else if (!secureRounds.containsKey(roundId)) {
                abandon(state, reason);
            }
        }
        int n = history.abandonOpenRoundsExcept(continued, reason, clock.instant());
        if (n > 0) {
            log.warn("closed {} round(s) left open by the replica that drove them before; they will be retried", n);
        }
    }

    /**
     * This replica lost its claim (quorum or lease): it drops the secure-aggregation state it
     * held as driver. Its sessions and partial sums stay: the new driver merges them (a replica
     * that lost the quorum also ends its sessions, in {@link #tick}).
     */
    private void stepDown() {
        chargesByRound.clear();
        secureRounds.values().forEach(sr -> sr.server.abandon("the coordinator replica stepped down"));
        secureRounds.clear();
    }

    /** The round a study is running now, if any. */
    public RoundState activeRound(String studyId) {
        String id = store.activeRoundId(studyId);
        return id == null ? null : store.round(id);
    }

    public RoundState round(String roundId) {
        return store.round(roundId);
    }

    private void drive(Study study) {
        String activeId = store.activeRoundId(study.studyId());
        if (study.status() != StudyStatus.RUNNING) {
            if (activeId != null) {
                abandon(store.round(activeId), "study " + study.status().name().toLowerCase());
            }
            return;
        }
        if (activeId != null) {
            RoundState state = store.round(activeId);
            SecureRound sr = secureRounds.get(activeId);
            if (sr != null && sr.overdue(clock.instant())) {
                closeSecureStage(state, sr);
                return;
            }
            apply(RoundStateMachine.onTick(state, clock.instant()));
            return;
        }
        startRound(study);
    }

    /**
     * Whether the study's strategy exists; if not (a study stored before strategies were checked at
     * creation) it fails now, before any site trains and spends ε on a round that could not close.
     */
    private boolean aggregatable(Study study) {
        try {
            Strategy.forStudy(study.spec());
            return true;
        } catch (IllegalArgumentException e) {
            String detail = "cannot aggregate: " + e.getMessage() + "; no task was sent. Create a new study with"
                    + " a strategy that exists";
            studies.updateProgress(study.studyId(), StudyStatus.FAILED, detail, study.currentVersion(),
                    study.roundsDone(), clock.instant());
            auditTrail.studyFinished(study.studyId(), StudyStatus.FAILED.name(), detail);
            return false;
        }
    }

    private void startRound(Study study) {
        var spec = study.spec();
        boolean training = study.roundsDone() < spec.rounds();
        int roundNumber = training ? study.roundsDone() + 1 : spec.rounds() + 1;
        // Each site with the training size it declared when it accepted the study: pinned for this attempt.
        var declared = new java.util.TreeMap<String, Long>();
        sessions.declaredSizes(study.studyId()).forEach((site, n) -> {
            if (n >= 1 && n <= spec.siteExamplesLimit() && sites.find(site).map(s -> !s.revoked()).orElse(false)) {
                declared.put(site, n);
            }
        });
        List<String> eligible = List.copyOf(declared.keySet());
        boolean secure = training && spec.secureAggregation() != null && spec.secureAggregation().on();
        int minSites = training ? spec.minSites() : 1;
        if (secure) {
            minSites = Math.max(minSites, org.cohort.crypto.secagg.SecAggParameters.MIN_CLIENTS);
        }
        if (eligible.size() < minSites) {
            String detail = "waiting for sites: " + eligible.size() + " connected and accepting, " + minSites + " needed";
            if (!detail.equals(study.statusDetail())) {
                studies.updateProgress(study.studyId(), StudyStatus.RUNNING, detail, study.currentVersion(),
                        study.roundsDone(), clock.instant());
            }
            return;
        }
        if (training && !aggregatable(study)) {
            return;
        }
        if (training) {
            // Refuse before anything is sent: no selected site may go past the study's ε budget.
            var decision = compliance.checkRound(study, roundNumber, eligible);
            if (!decision.allowed()) {
                log.warn("study {}: {}", study.studyId(), decision.reason());
                studies.updateProgress(study.studyId(), StudyStatus.STOPPED, "stopped by the privacy budget after "
                        + study.roundsDone() + " rounds: " + decision.reason(), study.currentVersion(),
                        study.roundsDone(), clock.instant());
                auditTrail.studyStopped(study.studyId(), decision.reason(), AuditTrail.COORDINATOR);
                return;
            }
        }
        int attempt = history.attempts(study.studyId(), roundNumber) + 1;
        byte[] nonce = new byte[ProtocolLimits.NONCE_BYTES];
        random.nextBytes(nonce);
        Instant now = clock.instant();
        ModelVersion base = registry.find(study.studyId(), study.currentVersion()).orElseThrow(
                () -> new IllegalStateException("model version " + study.currentVersion() + " of study "
                        + study.studyId() + " is missing from the registry"));
        Duration timeout = Duration.ofSeconds(spec.roundTimeoutSeconds());
        Duration stageTimeout = secure ? Duration.ofSeconds(spec.secureAggregation().stageTimeoutSeconds()) : Duration.ZERO;
        String roundId = "rd-" + UUID.randomUUID();
        SecureRound secureRound = null;
        if (secure) {
            try {
                secureRound = new SecureRound(eligible, nonce, spec.secureAggregation().threshold(),
                        spec.secureAggregation().degree(), spec.secureAggregation().clipRange(),
                        (int) base.numParameters(), stageTimeout, now.plus(timeout),
                        site -> sites.find(site).orElseThrow().updateSigningPublicKey(), spec.privacy());
            } catch (IllegalArgumentException e) {
                studies.updateProgress(study.studyId(), StudyStatus.FAILED, "secure aggregation cannot run with "
                        + eligible.size() + " sites: " + e.getMessage(), study.currentVersion(), study.roundsDone(), now);
                return;
            }
        }
        // Secure rounds also need time after training for key exchange, masked input and unmasking.
        var state = new RoundState(roundId, study.studyId(), roundNumber, attempt,
                training ? RoundKind.TRAIN : RoundKind.EVALUATE, study.currentVersion(), nonce, Set.copyOf(eligible),
                Set.of(), Map.of(), minSites, now, now.plus(timeout).plus(stageTimeout.multipliedBy(3)),
                RoundPhase.COLLECTING, "tasks sent to " + eligible.size() + " sites"
                        + (secure ? " (secure aggregation, threshold " + secureRound.parameters.threshold() + ")" : ""),
                secure, declared);
        if (secure) {
            secureRounds.put(roundId, secureRound);
        }
        history.insertStarted(state);
        store.save(state);
        store.activate(state);
        studies.updateProgress(study.studyId(), StudyStatus.RUNNING,
                (training ? "round " + roundNumber : "final evaluation") + " running with " + eligible.size() + " sites",
                study.currentVersion(), study.roundsDone(), now);
        log.info("study {} round {} attempt {} ({}): selected {}", study.studyId(), roundNumber, attempt,
                state.kind(), eligible);
        for (String site : eligible) {
            sessions.send(site, CoordinatorMessage.newBuilder().setRoundTask(taskFor(study, state, base, site)).build());
        }
    }

    /** Sends an open round's task (again) to one site, wherever its session is. */
    private void sendTask(RoundState state, String site) {
        Study study = studies.find(state.studyId()).orElseThrow();
        ModelVersion base = registry.find(study.studyId(), state.baseVersion()).orElseThrow();
        sessions.send(site, CoordinatorMessage.newBuilder().setRoundTask(taskFor(study, state, base, site)).build());
    }

    private RoundTask taskFor(Study study, RoundState state, ModelVersion base, String site) {
        RoundTask task = tasks.task(study, state, base);
        SecureRound sr = secureRounds.get(state.roundId());
        if (sr == null) {
            return task;
        }
        var plan = org.cohort.protocol.v1.SecAggPlan.newBuilder()
                .setClientIndex(sr.indexOf.get(site)).addAllSitesByIndex(sr.sitesByIndex)
                .setThreshold(sr.parameters.threshold()).setDegree(sr.parameters.degree())
                .setClipRange(sr.siteNoise != null ? sr.siteNoise.clipNorm() : sr.quantizer.clipBound())
                .setScale(sr.siteNoise != null ? sr.siteNoise.scale() : sr.quantizer.scale());
        for (String s : sr.sitesByIndex) {
            plan.addSigningKeysByIndex(com.google.protobuf.ByteString.copyFrom(
                    sites.find(s).orElseThrow().updateSigningPublicKey()));
        }
        return task.toBuilder().setSecagg(plan).build();
    }

    /** Re-sends an open round's task to a site that reconnected before reporting. */
    public void resendOpenTasks(String siteId) {
        synchronized (lock) {
            for (String roundId : store.activeRoundIds()) {
                RoundState state = store.round(roundId);
                if (state != null && state.isOpen() && state.outstanding().contains(siteId)) {
                    sendTask(state, siteId);
                }
            }
        }
    }

    /** Model length the round expects, for upload checks. */
    public long modelLength(RoundState state) {
        return registry.find(state.studyId(), state.baseVersion()).map(ModelVersion::numParameters).orElse(-1L);
    }

    /**
     * The checks of a signed manifest against its round and study, before any value is read:
     * round, length, weight and counts against what the site declared ({@link UploadChecks}), the
     * privacy it declares ({@link PrivacyChecks}), and the study's budget: an update over budget
     * is refused here, before its values reach the coordinator, because once they have it is
     * charged whatever happens next.
     */
    public java.util.Optional<UploadRejection> checkManifest(UpdateManifest m, String site) {
        var problem = checkRound(m, site);
        if (problem.isPresent()) {
            return problem;
        }
        RoundState state = store.round(m.getRoundId());
        Study study = studies.find(state.studyId()).orElseThrow();
        return compliance.overBudget(study, releaseCharge(study, state, site, m, null, null))
                // Nothing of it is read: the ledger must never be asked to go past the budget.
                .map(reason -> new UploadRejection(UploadRejection.Reason.OVER_BUDGET, reason));
    }

    /** {@link #checkManifest} without the budget: what must still hold when the values are in. */
    private java.util.Optional<UploadRejection> checkRound(UpdateManifest m, String site) {
        RoundState state = store.round(m.getRoundId());
        if (state == null) {
            return UploadChecks.check(null, m, site, -1, 0);
        }
        Study study = studies.find(state.studyId()).orElse(null);
        if (study == null) {
            return UploadChecks.check(null, m, site, -1, 0);
        }
        var dp = study.spec().privacy();
        var problem = UploadChecks.check(state, m, site, modelLength(state), study.spec().dataset().testFraction(),
                new UploadChecks.HeldOutRule(dp != null && dp.enabled(), dp == null ? 0 : dp.evaluationNoise()));
        return problem.isPresent() ? problem : PrivacyChecks.check(study.spec().privacy(), state.kind(), m);
    }

    /**
     * The L2 bound every update of the round must keep, when the coordinator can see it: a plain
     * training round of a site-level DP study (each site clips its whole update to C; the noise
     * added to the sum is calibrated to exactly that). Empty otherwise — under secure aggregation
     * only the agent can enforce it, before masking.
     */
    public java.util.OptionalDouble updateNormBound(RoundState state) {
        if (state == null || state.kind() != RoundKind.TRAIN || state.secure()) {
            return java.util.OptionalDouble.empty();
        }
        var dp = studies.find(state.studyId()).map(s -> s.spec().privacy()).orElse(null);
        return dp != null && "site".equals(dp.mode()) && dp.clipNorm() != null
                ? java.util.OptionalDouble.of(dp.clipNorm()) : java.util.OptionalDouble.empty();
    }

    /**
     * Takes a fully received and verified upload (values spooled to {@code spool}) on whichever
     * replica received it. A plain training update of a DP study is charged first: the coordinator
     * has read it, so it is spent whether or not the round goes on to use it (once per signed
     * update: the same one re-sent after a lost replica or a resume costs nothing more). Then it
     * goes into this replica's partial sum; a masked input goes into its masked partial sum and is
     * charged only if the secure sum is unmasked.
     *
     * @param manifestBytes the manifest exactly as the site signed it
     * @param signature     the site's signature over {@code manifestBytes}
     */
    public void accept(UpdateManifest m, byte[] manifestBytes, byte[] signature, String site, Path spool) {
        Checked c;
        try {
            chargeReceived(m, manifestBytes, signature, site);
            // Revoked while the upload was in flight: received (and charged, it was read) but not counted.
            var revoked = RevokedUploads.check(sites.find(site), site);
            if (revoked.isPresent()) {
                throw revoked.get().asException();
            }
            var problem = checkRound(m, site);
            if (problem.isPresent()) {
                throw problem.get().asException();
            }
            RoundState state = store.round(m.getRoundId());
            c = new Checked(state, studies.find(state.studyId()).orElseThrow());
        } catch (RuntimeException e) {
            deleteQuietly(spool);
            throw e;
        }
        holdHere(c, m, manifestBytes, signature, site, spool);
    }

    /** Charges a plain training update whose values have been received and verified, if its study is under DP. */
    private void chargeReceived(UpdateManifest m, byte[] manifestBytes, byte[] signature, String site) {
        RoundState state = store.round(m.getRoundId());
        if (state == null || state.secure() || !state.selected().contains(site)
                || !java.security.MessageDigest.isEqual(state.nonce(), m.getNonce().toByteArray())) {
            return; // not an update of this round: its header would have been refused, and nothing was read
        }
        Study study = studies.find(state.studyId()).orElse(null);
        ReleaseCharge charge = study == null ? null : releaseCharge(study, state, site, m, manifestBytes, signature);
        if (charge != null && compliance.chargeRelease(charge, RoundCompliance.Released.UPLOAD_RECEIVED)) {
            log.info("charged {}: {}", charge.release(), charge.charge().event().describe());
        }
    }

    /** An upload that passed the round's checks, with the study it belongs to. */
    private record Checked(RoundState state, Study study) {}

    /**
     * Claims the site's place in the round for this replica (one claim per site and round in the
     * whole cluster), folds the update into this replica's partial sum while the round is still
     * collecting, records the report and tells the driver.
     */
    private void holdHere(Checked c, UpdateManifest m, byte[] manifestBytes, byte[] signature, String site,
                          Path spool) {
        RoundState state = c.state();
        String roundId = state.roundId();
        String me = partials.memberUuid();
        String holder = store.claim(roundId, site, me);
        if (holder != null && (sessions.aliveMembers().contains(holder) || !store.moveClaim(roundId, site, holder, me))) {
            deleteQuietly(spool);
            throw new UploadRejection(UploadRejection.Reason.ALREADY_REPORTED, "an update of site " + site
                    + " for round " + roundId + " is already held by coordinator replica " + holder).asException();
        }
        boolean training = state.kind() == RoundKind.TRAIN;
        boolean masked = training && state.secure();
        // FedAvg weighs by the training size the site declared when it accepted the study (checked equal to
        // the manifest's); DP-FedAvg and secure sums weigh every site the same.
        long weight = !training || masked ? 1 : "site".equals(c.study().spec().privacy().mode()) ? DpFedAvg.weight()
                : state.declaredExamples().get(site);
        var contribution = new PartialSums.Contribution(site, weight, manifestBytes, signature);
        java.util.function.BooleanSupplier stillCollecting = () -> {
            if (!leadership.inQuorum()) {
                return false; // cut off from the majority: what it would hold here is lost to the round
            }
            RoundState now = store.round(roundId);
            if (now == null || !now.isOpen() || !now.outstanding().contains(site)) {
                return false;
            }
            // A masked input counts only in the masked-input stage, from a site whose shares were relayed.
            var roster = masked ? store.maskedInputRoster(roundId) : null;
            return !masked || roster != null && roster.containsKey(site);
        };
        boolean held;
        try {
            held = masked ? partials.foldMasked(roundId, (int) m.getNumParameters(), stillCollecting, contribution, spool)
                    : partials.fold(roundId, training ? m.getNumParameters() : 0, stillCollecting, contribution,
                            training ? spool : null);
        } catch (RuntimeException e) {
            store.releaseClaim(roundId, site, me);
            throw e;
        } finally {
            deleteQuietly(spool);
        }
        if (!held) {
            store.releaseClaim(roundId, site, me);
            throw new UploadRejection(UploadRejection.Reason.ROUND_CLOSED, masked ? "the masked input of " + site
                    + " arrived outside round " + roundId + "'s masked-input stage; it is accepted only after the key"
                    + " exchange and before the stage closes" : "round " + roundId + " stopped collecting while the"
                    + " update of " + site + " arrived").asException();
        }
        recordAccepted(state, site, m);
        inbox.post(new LeaderInbox.UploadHeld(roundId, site, me));
    }

    private void recordAccepted(RoundState state, String site, UpdateManifest m) {
        var metrics = m.getMetrics();
        history.insertReport(state.roundId(), site, "ACCEPTED", m.getExampleCount(),
                metrics.getTrainLossWithheld() ? null : metrics.getTrainLoss(), metrics.getTrainMillis(), null,
                clock.instant());
        var noised = org.cohort.protocol.NoisedConfusion.from(metrics);
        if (noised != null) {
            history.recordNoisedEvaluation(state.studyId(), state.baseVersion(), site, noised);
        } else if (metrics.getTestExamples() > 0) {
            history.recordEvaluation(state.studyId(), state.baseVersion(), site, metrics.getTestExamples(),
                    metrics.getTestCorrect(), metrics.getTestLoss());
        }
    }

    private static void deleteQuietly(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // removed with the spool directory
        }
    }

    /** A selected site refused its task, failed, or sent an upload that was rejected: the driver drops it. */
    public void dropSite(String roundId, String site, String outcome, String reason) {
        inbox.post(new LeaderInbox.SiteDropped(roundId, site, outcome, reason));
    }

    /**
     * A revoked site leaves every open round it was selected for, at once: the others need not
     * wait for its deadline, and an upload of it that is still arriving cannot be counted (the
     * round no longer expects it).
     */
    public void revoked(String site, String reason) {
        for (String roundId : store.activeRoundIds()) {
            RoundState state = store.round(roundId);
            if (state != null && state.isOpen() && state.outstanding().contains(site)) {
                dropSite(roundId, site, "REVOKED", "site revoked: " + reason);
            }
        }
    }

    private void dropSiteAsDriver(String roundId, String site, String outcome, String reason) {
        synchronized (lock) {
            RoundState state = store.round(roundId);
            if (state == null || !state.isOpen() || !state.outstanding().contains(site)) {
                return;
            }
            history.insertReport(roundId, site, outcome, null, null, null, reason, clock.instant());
            log.info("round {}: site {} dropped ({}): {}", roundId, site, outcome, reason);
            apply(RoundStateMachine.onSiteDropped(state, site, reason));
            // In a key-exchange stage, the others need not wait for the stage deadline.
            SecureRound sr = secureRounds.get(roundId);
            if (sr != null && sr.indexOf.containsKey(site) && (sr.stage() == SecureRound.Stage.ADVERTISE_KEYS
                    || sr.stage() == SecureRound.Stage.SHARE_KEYS) && sr.excuse(sr.indexOf.get(site))) {
                closeSecureStage(store.round(roundId), sr);
            }
        }
    }

    private void apply(Transition t) {
        RoundState state = t.state();
        store.save(state);
        switch (t.decision()) {
            case WAIT -> { }
            case AGGREGATE -> {
                SecureRound sr = secureRounds.get(state.roundId());
                if (sr != null) {
                    startUnmasking(state, sr);
                } else {
                    finish(state);
                }
            }
            case RETRY -> retry(state);
        }
    }

    /**
     * Closes an aggregating round. Whatever fails on the way (merging, the ledger, the model store)
     * closes it as failed with nothing published or charged, and the study retries it — a round
     * is never left aggregating.
     */
    private void finish(RoundState state) {
        try {
            publishRound(state);
        } catch (RuntimeException e) {
            log.error("round {}: closing it failed; nothing was published and it will be retried", state.roundId(), e);
            RoundState current = store.round(state.roundId());
            if (current != null && current.phase() == RoundPhase.AGGREGATING) {
                RoundState failed = RoundStateMachine.abandoned(current, "closing the round failed (" + e.getMessage()
                        + "); nothing was published");
                store.save(failed);
                SecureRound sr = secureRounds.remove(failed.roundId());
                if (sr != null) {
                    sr.server.abandon(failed.detail());
                }
                retry(failed);
            }
        }
    }

    private void publishRound(RoundState state) {
        Study study = studies.find(state.studyId()).orElseThrow();
        Instant now = clock.instant();
        if (state.kind() == RoundKind.EVALUATE) {
            forget(state);
            RoundState done = RoundStateMachine.completed(state, "evaluated by " + state.reported().size() + " sites");
            close(done, null);
            String detail = "completed " + study.roundsDone() + " rounds; final model version " + study.currentVersion();
            studies.updateProgress(study.studyId(), StudyStatus.COMPLETED, detail, study.currentVersion(),
                    study.roundsDone(), now);
            auditTrail.studyFinished(study.studyId(), StudyStatus.COMPLETED.name(), detail);
            return;
        }
        ModelVersion base = registry.find(study.studyId(), state.baseVersion()).orElseThrow();
        long version = state.baseVersion() + 1;
        ModelRegistry.Staged next;
        Map<String, ReleaseCharge> charges;
        SecureRound sr = secureRounds.remove(state.roundId());
        if (sr != null) {
            charges = chargesByRound.getOrDefault(state.roundId(), Map.of());
            // Charged before the sum is unmasked: once it is, every survivor's masked input is released,
            // whatever happens to the round next. If charging fails, nothing is unmasked.
            compliance.chargeReleases(List.copyOf(new java.util.TreeMap<>(charges).values()),
                    RoundCompliance.Released.SUM_UNMASKED);
            float[] params = secureNextGlobal(study, registry.readParameters(base), sr.release());
            next = registry.stage(study.studyId(), version, params.length, (offset, count) ->
                    java.util.Arrays.copyOfRange(params, (int) offset, (int) offset + count));
        } else {
            Merged merged;
            try {
                merged = merge(state, study, base, version);
            } catch (RuntimeException e) {
                log.warn("round {}: the partial sums could not be merged: {}", state.roundId(), e.getMessage());
                RoundState failed = RoundStateMachine.abandoned(state, "the replicas' partial sums could not be merged ("
                        + e.getMessage() + "); nothing was published");
                store.save(failed);
                retry(failed);
                return;
            }
            state = merged.state();
            store.save(state);
            next = merged.next();
            charges = merged.charges();
        }
        // On record before release: if charging fails, nothing is published and the round is retried.
        List<String> participants = List.copyOf(new java.util.TreeSet<>(state.reported()));
        try {
            compliance.recordRound(new RoundCompliance.RoundRecord(study.studyId(), state.roundNumber(),
                    state.roundId(), state.attempt(), participants, participants.stream().map(charges::get)
                    .filter(java.util.Objects::nonNull).toList(), roundParameters(study, sr),
                    state.baseVersion(), base.payloadSha256Hex(), version, next.sha256Hex()));
        } catch (RuntimeException e) {
            registry.discard(next);
            throw e;
        }
        chargesByRound.remove(state.roundId());
        registry.publish(next, state.baseVersion(), state.roundNumber(), study.modelConfigJson(), participants);
        forget(state);
        RoundState done = RoundStateMachine.completed(state, state.reported().size() + " of "
                + state.selected().size() + " sites reported; published version " + version);
        close(done, version);
        studies.updateProgress(study.studyId(), StudyStatus.RUNNING, "round " + state.roundNumber() + " done",
                version, study.roundsDone() + 1, now);
        log.info("study {} round {}: published version {} from {}", study.studyId(), state.roundNumber(), version,
                state.reported());
    }

    /**
     * The parameters the round goes on record with: the study's, and for distributed noise the
     * round's encoding, from which anyone can recompute its charge.
     */
    private static Map<String, ?> roundParameters(Study study, SecureRound sr) {
        var parameters = RoundCompliance.parameters(study.spec());
        if (sr == null || sr.siteNoise == null) {
            return parameters;
        }
        var noise = sr.siteNoise;
        var d = new java.util.LinkedHashMap<String, Object>();
        d.put("mechanism", "distributed discrete Gaussian added by each site inside secure aggregation");
        d.put("sites", noise.sites());
        d.put("minSurvivors", noise.minSurvivors());
        d.put("dimension", noise.dimension());
        d.put("ringBits", noise.ringBits());
        d.put("granularityExponent", noise.granularityExponent());
        d.put("effectiveSensitivity", noise.effectiveSensitivity());
        d.put("effectiveNoiseMultiplier", noise.effectiveNoiseMultiplier());
        d.put("wrapProbability", noise.wrapProbability());
        var withNoise = new java.util.LinkedHashMap<String, Object>(parameters);
        withNoise.put("distributedNoise", d);
        return withNoise;
    }

    /** A round's next model, staged from the replicas' merged partial sums; the sites they held and their charges. */
    private record Merged(RoundState state, ModelRegistry.Staged next, Map<String, ReleaseCharge> charges) {}

    /**
     * Seals every replica's partial sum of the round (the round is already marked aggregating, so
     * none takes another upload), then writes the next model chunk by chunk: each chunk of the sum
     * is pulled from the replicas that hold uploads, added up, and stepped with the same chunk of
     * the current model — so the driver's memory is a few chunks however large the model. The round
     * closes with exactly the uploads found in the sealed sums, and those are what the ledger charges.
     */
    private Merged merge(RoundState state, Study study, ModelVersion base, long version) {
        var sealed = partialCalls.sealAll(state.roundId());
        var holding = new ArrayList<PartialSums.Sealed>();
        var charges = new java.util.HashMap<String, ReleaseCharge>();
        var contributors = new java.util.TreeSet<String>();
        boolean siteLevel = "site".equals(study.spec().privacy().mode());
        long totalWeight = 0;
        for (PartialSums.Sealed part : sealed.values()) {
            if (part.broken()) {
                throw new IllegalStateException("replica " + part.memberUuid() + " could not read back an upload it held");
            }
            if (part.contributions().isEmpty()) {
                continue;
            }
            holding.add(part);
            for (PartialSums.Contribution c : part.contributions()) {
                if (!contributors.add(c.siteId())) {
                    throw new IllegalStateException("two replicas hold an update of site " + c.siteId());
                }
                Long expected = siteLevel ? Long.valueOf(DpFedAvg.weight()) : state.declaredExamples().get(c.siteId());
                if (expected == null || c.weight() != expected) {
                    throw new IllegalStateException("the update of site " + c.siteId() + " is held with weight "
                            + c.weight() + " where its declared training size gives " + expected);
                }
                try {
                    totalWeight = Math.addExact(totalWeight, c.weight());
                } catch (ArithmeticException e) {
                    throw new IllegalStateException("the weights overflow at the update of site " + c.siteId()
                            + " (weight " + c.weight() + ")");
                }
                chargeOf(study, state, c).ifPresent(charge -> charges.put(c.siteId(), charge));
            }
        }
        if (contributors.size() < state.minSites()) {
            throw new IllegalStateException("only " + contributors.size() + " updates were held when the round closed;"
                    + " the study needs at least " + state.minSites());
        }
        Strategy.Step step = Strategy.forStudy(study.spec()).step(totalWeight, contributors.size());
        var next = registry.stage(study.studyId(), version, base.numParameters(), (offset, count) -> {
            double[] sum = new double[count];
            for (PartialSums.Sealed part : holding) {
                double[] slice = partialCalls.slice(part.memberUuid(), state.roundId(), offset, count);
                for (int i = 0; i < count; i++) {
                    sum[i] += slice[i];
                }
            }
            return step.next(registry.readChunk(base, offset, count), sum);
        });
        return new Merged(RoundStateMachine.withContributors(state, contributors), next, charges);
    }

    /** What a held upload costs its site, from the signed manifest the replica kept with it. */
    private static java.util.Optional<ReleaseCharge> chargeOf(Study study, RoundState state,
                                                              PartialSums.Contribution c) {
        try {
            return java.util.Optional.ofNullable(releaseCharge(study, state, c.siteId(),
                    UpdateManifest.parseFrom(c.manifest()), c.manifest(), c.signature()));
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException("a held manifest of site " + c.siteId() + " is unreadable", e);
        }
    }

    /** Every replica forgets the round's partial sums and upload claims. */
    private void forget(RoundState state) {
        partialCalls.discardAll(state.roundId());
        store.closeMaskedInput(state.roundId());
        for (String site : state.selected()) {
            store.deleteClaim(state.roundId(), site);
        }
    }

    private void retry(RoundState failed) {
        close(failed, null);
        forget(failed);
        chargesByRound.remove(failed.roundId());
        SecureRound sr = secureRounds.remove(failed.roundId());
        if (sr != null) {
            sr.server.abandon(failed.detail());
        }
        Study study = studies.find(failed.studyId()).orElseThrow();
        int failures = history.failedAttempts(failed.studyId(), failed.roundNumber());
        if (failures > study.spec().maxRetries()) {
            String detail = "round " + failed.roundNumber() + " failed " + failures + " times: " + failed.detail();
            studies.updateProgress(study.studyId(), StudyStatus.FAILED, detail, study.currentVersion(),
                    study.roundsDone(), clock.instant());
            auditTrail.studyFinished(study.studyId(), StudyStatus.FAILED.name(), detail);
        } else {
            log.info("round {} of study {} will be retried: {}", failed.roundNumber(), failed.studyId(), failed.detail());
        }
    }

    private void abandon(RoundState state, String reason) {
        if (state == null) {
            return;
        }
        RoundState gone = state.isOpen() || state.phase() == RoundPhase.AGGREGATING
                ? RoundStateMachine.abandoned(state, reason) : state;
        store.save(gone);
        close(gone, null);
        forget(gone);
        chargesByRound.remove(gone.roundId());
        SecureRound sr = secureRounds.remove(gone.roundId());
        if (sr != null) {
            sr.server.abandon(reason);
        }
        for (String site : state.outstanding()) {
            sessions.send(site, CoordinatorMessage.newBuilder()
                    .setCancelTask(CancelTask.newBuilder().setRoundId(state.roundId()).setReason(reason)).build());
        }
    }

    /** A secure-aggregation message from a site, on its session stream. */
    public void onSecAggStep(String site, org.cohort.protocol.v1.SecAggStep step) {
        synchronized (lock) {
            RoundState state = store.round(step.getRoundId());
            SecureRound sr = secureRounds.get(step.getRoundId());
            if (state == null || sr == null || !sr.indexOf.containsKey(site)) {
                log.warn("ignoring secure-aggregation message from {} for round {}: no such secure round for that site",
                        site, step.getRoundId());
                return;
            }
            int index = sr.indexOf.get(site);
            byte[] nonce = state.nonce();
            try {
                boolean complete = switch (step.getKindCase()) {
                    case KEYS -> {
                        requireStage(sr, SecureRound.Stage.ADVERTISE_KEYS, step);
                        var keys = org.cohort.crypto.secagg.wire.SecAggWire.keys(nonce, step.getKeys());
                        requireIndex(keys.clientIndex(), index);
                        sr.server.receiveKeys(keys);
                        yield sr.answered(index);
                    }
                    case SHARES -> {
                        requireStage(sr, SecureRound.Stage.SHARE_KEYS, step);
                        var shares = org.cohort.crypto.secagg.wire.SecAggWire.shares(nonce, step.getShares());
                        for (var share : shares) {
                            requireIndex(share.sender(), index);
                        }
                        sr.server.receiveShares(shares);
                        yield sr.answered(index);
                    }
                    case CONSISTENCY_SIGNATURE -> {
                        requireStage(sr, SecureRound.Stage.CONSISTENCY, step);
                        var sig = org.cohort.crypto.secagg.wire.SecAggWire.signature(nonce, step.getConsistencySignature());
                        requireIndex(sig.clientIndex(), index);
                        sr.server.receiveConsistencySignature(sig);
                        yield sr.answered(index);
                    }
                    case UNMASK_RESPONSE -> {
                        requireStage(sr, SecureRound.Stage.UNMASK, step);
                        var response = org.cohort.crypto.secagg.wire.SecAggWire.unmaskResponse(nonce, step.getUnmaskResponse());
                        requireIndex(response.clientIndex(), index);
                        sr.server.receiveUnmaskResponse(response);
                        yield sr.answered(index);
                    }
                    default -> throw new IllegalArgumentException("a site may not send " + step.getKindCase());
                };
                if (complete) {
                    closeSecureStage(state, sr);
                }
            } catch (org.cohort.crypto.secagg.RejectedMessageException | IllegalArgumentException e) {
                log.warn("round {}: rejected secure-aggregation message from {}: {}", state.roundId(), site, e.getMessage());
            } catch (org.cohort.crypto.secagg.SecAggAbortedException e) {
                abortSecure(state, e.getMessage());
            }
        }
    }

    private static void requireStage(SecureRound sr, SecureRound.Stage expected, org.cohort.protocol.v1.SecAggStep step) {
        if (sr.stage() != expected) {
            throw new IllegalArgumentException(step.getKindCase() + " arrived in stage " + sr.stage() + ", expected in "
                    + expected);
        }
    }

    private static void requireIndex(int claimed, int actual) {
        if (claimed != actual) {
            throw new IllegalArgumentException("message claims site index " + claimed + " but comes from index " + actual);
        }
    }

    /** Ends the current secure stage with the sites that answered and starts the next one. */
    private void closeSecureStage(RoundState state, SecureRound sr) {
        Instant now = clock.instant();
        try {
            switch (sr.stage()) {
                case ADVERTISE_KEYS -> {
                    dropMissing(state, sr, "sent no keys before the key-exchange deadline");
                    if (!store.round(state.roundId()).isOpen()) {
                        return;
                    }
                    var rosters = sr.server.closeAdvertiseKeys();
                    sr.advance(SecureRound.Stage.SHARE_KEYS, rosters.keySet(), now);
                    rosters.forEach((i, keys) -> sendStep(sr, i, state, b -> b.setRoster(
                            org.cohort.protocol.v1.SecAggRoster.newBuilder()
                                    .addAllKeys(keys.stream().map(org.cohort.crypto.secagg.wire.SecAggWire::keys).toList()))));
                }
                case SHARE_KEYS -> {
                    dropMissing(state, sr, "sent no key shares before the deadline");
                    if (!store.round(state.roundId()).isOpen()) {
                        return;
                    }
                    var relays = sr.server.closeShareKeys();
                    sr.advance(SecureRound.Stage.MASKED_INPUT, relays.keySet(), now);
                    // Before the shares go out: any replica may then take these sites' masked inputs.
                    var roster = new java.util.HashMap<String, Integer>();
                    relays.keySet().forEach(i -> roster.put(sr.site(i), i));
                    store.openMaskedInput(state.roundId(), roster);
                    relays.forEach((i, shares) -> sendStep(sr, i, state, b -> b.setShares(
                            org.cohort.crypto.secagg.wire.SecAggWire.shares(shares))));
                }
                case MASKED_INPUT -> dropMissing(state, sr, "sent no masked input before the deadline");
                case CONSISTENCY -> {
                    var requests = sr.server.closeConsistencyCheck();
                    sr.advance(SecureRound.Stage.UNMASK, requests.keySet(), now);
                    requests.forEach((i, request) -> sendStep(sr, i, state, b -> b.setUnmaskRequest(
                            org.cohort.crypto.secagg.wire.SecAggWire.unmaskRequest(request))));
                }
                case UNMASK -> finish(store.round(state.roundId()));
                case DONE -> { }
            }
        } catch (org.cohort.crypto.secagg.SecAggAbortedException e) {
            abortSecure(state, e.getMessage());
        }
    }

    /** Masked inputs are in (all, or the deadline passed): ask the survivors to sign who survived. */
    private void startUnmasking(RoundState state, SecureRound sr) {
        try {
            // No replica takes another masked input once the roster is gone; then the partial sums are sealed.
            store.closeMaskedInput(state.roundId());
            try {
                state = feedMaskedPartialSums(state, sr);
            } catch (RuntimeException e) {
                abortSecure(state, "the replicas' masked partial sums could not be merged: " + e.getMessage());
                return;
            }
            store.save(state);
            var request = sr.server.closeMaskedInput();
            var survivors = new java.util.TreeSet<Integer>();
            for (int i : request.survivors()) {
                survivors.add(i);
            }
            sr.advance(SecureRound.Stage.CONSISTENCY, survivors, clock.instant());
            for (int i : survivors) {
                sendStep(sr, i, state, b -> b.setConsistencyRequest(
                        org.cohort.crypto.secagg.wire.SecAggWire.consistencyRequest(request)));
            }
        } catch (org.cohort.crypto.secagg.SecAggAbortedException e) {
            abortSecure(state, e.getMessage());
        }
    }

    /**
     * Seals every replica's masked partial sum and feeds them, chunk by chunk, to the secure-
     * aggregation server as sums of the sites each holds. The round goes on with exactly those
     * sites (one lost with a replica counts as dropped: its masks are rebuilt like any dropout's),
     * and their charges are what the ledger records if the round is published.
     */
    private RoundState feedMaskedPartialSums(RoundState state, SecureRound sr) {
        Study study = studies.find(state.studyId()).orElseThrow();
        byte[] nonce = state.nonce();
        var contributors = new java.util.TreeSet<String>();
        var charges = new ConcurrentHashMap<String, ReleaseCharge>();
        int length = sr.vectorLength;
        for (PartialSums.Sealed part : partialCalls.sealAll(state.roundId()).values()) {
            if (part.broken()) {
                throw new IllegalStateException("replica " + part.memberUuid() + " could not read back a masked input");
            }
            if (part.contributions().isEmpty()) {
                continue;
            }
            var clients = new java.util.TreeSet<Integer>();
            for (PartialSums.Contribution c : part.contributions()) {
                clients.add(sr.indexOf.get(c.siteId()));
                contributors.add(c.siteId());
                chargeOf(study, state, c).ifPresent(charge -> charges.put(c.siteId(), charge));
            }
            for (int offset = 0; offset < length; offset += PartialSumCalls.SLICE_VALUES) {
                int n = Math.min(PartialSumCalls.SLICE_VALUES, length - offset);
                sr.server.receiveMaskedPartialSum(clients, nonce, offset,
                        partialCalls.ringSlice(part.memberUuid(), state.roundId(), offset, n));
            }
        }
        chargesByRound.put(state.roundId(), charges);
        return RoundStateMachine.withContributors(state, contributors);
    }

    private void dropMissing(RoundState state, SecureRound sr, String reason) {
        for (int i : sr.missing()) {
            RoundState current = store.round(state.roundId());
            if (current.isOpen() && current.outstanding().contains(sr.site(i))) {
                history.insertReport(state.roundId(), sr.site(i), "DROPPED", null, null, null, reason, clock.instant());
                apply(RoundStateMachine.onSiteDropped(current, sr.site(i), reason));
            }
        }
    }

    private void abortSecure(RoundState state, String reason) {
        log.warn("round {}: secure aggregation aborted, nothing released: {}", state.roundId(), reason);
        RoundState current = store.round(state.roundId());
        RoundState failed = RoundStateMachine.abandoned(current, "secure aggregation aborted, nothing released: " + reason);
        store.save(failed);
        retry(failed);
    }

    private void sendStep(SecureRound sr, int index, RoundState state,
                          java.util.function.Consumer<org.cohort.protocol.v1.SecAggStep.Builder> body) {
        var b = org.cohort.protocol.v1.SecAggStep.newBuilder().setRoundId(state.roundId());
        body.accept(b);
        sessions.send(sr.site(index), CoordinatorMessage.newBuilder().setSecagg(b).build());
    }

    /**
     * The next global model from a securely aggregated round: the released sum of the survivors'
     * clipped updates divided by their number. Under site-level DP the sites noised the sum
     * inside the ring (the coordinator never sees it un-noised) and nothing is added here.
     */
    static float[] secureNextGlobal(Study study, float[] global, SecureRound.Released released) {
        double[] sum = released.sum();
        var dp = study.spec().privacy();
        if (dp != null && "site".equals(dp.mode()) && !released.noisedAtSites()) {
            throw new IllegalStateException("a site-level DP round released a sum the sites did not noise; nothing is"
                    + " published");
        }
        float[] next = new float[global.length];
        for (int i = 0; i < global.length; i++) {
            next[i] = (float) (global[i] + sum[i] / released.survivors());
        }
        return next;
    }

    private void close(RoundState state, Long resultVersion) {
        history.updateClosed(state, resultVersion, clock.instant());
        store.deactivate(state);
    }

    /**
     * What a site's accepted update costs it: for patient-level DP the DP-SGD run it declared
     * (checked by {@link PrivacyChecks}); for site-level DP the Gaussian mechanism on the clipped
     * update, one release per round, charged with σ_eff = noise std / effective sensitivity:
     * central noise on the 2^-24 grid, or in a secure round the sites' distributed discrete
     * Gaussian with the fewest survivors the round can release and the ring's rounding
     * ({@link org.cohort.privacy.sitelevel.SiteLevelAccounting}). Every connected site that
     * accepted the study is selected, so the site-sampling rate is 1 (no amplification claimed).
     */
    private static SiteCharge chargeFor(Study study, RoundState state, String site, UpdateManifest m) {
        var dp = study.spec().privacy();
        if (dp == null || !dp.enabled()) {
            return null;
        }
        if ("site".equals(dp.mode())) {
            long d = Math.max(1, m.getNumParameters());
            double sigmaEff = state.secure()
                    ? SecureRound.siteNoise(study.spec(), state.selected().size(), d).effectiveNoiseMultiplier()
                    : org.cohort.privacy.sitelevel.SiteLevelAccounting.centralNoiseMultiplier(dp.noiseMultiplier(),
                            dp.clipNorm(), d);
            return new SiteCharge(site, org.cohort.privacy.accounting.Unit.SITE,
                    new org.cohort.privacy.accounting.PrivacyEvent.SampledGaussian(1.0, sigmaEff, 1));
        }
        SiteCharge declared = SiteCharge.fromManifest(m);
        return declared == null ? null : new SiteCharge(site, declared.unit(), declared.event());
    }

    /**
     * What a final evaluation's noised confusion matrix costs its site: one Gaussian mechanism of
     * sensitivity 1 at the smaller of the study's evaluation noise and the noise the site states (a
     * site claiming less noise is charged for less); null when it releases none.
     */
    private static SiteCharge evaluationCharge(Study study, String site, UpdateManifest m) {
        var metrics = m.getMetrics();
        double term = study.spec().privacy() == null ? 0 : study.spec().privacy().evaluationNoise();
        if (metrics.getNoisedConfusionCount() == 0 || !(term > 0) || m.getPayloadSha256().size() != 32) {
            return null;
        }
        double sigma = metrics.getConfusionNoise() > 0 ? Math.min(term, metrics.getConfusionNoise()) : term;
        return new SiteCharge(site, org.cohort.privacy.accounting.Unit.PATIENT,
                new org.cohort.privacy.accounting.PrivacyEvent.SampledGaussian(1.0, sigma, 1));
    }

    /**
     * What releasing this update costs its site ({@link #chargeFor}), as a charge of this attempt
     * and this signed update; null for an evaluation or a study without DP.
     */
    private static ReleaseCharge releaseCharge(Study study, RoundState state, String site, UpdateManifest m,
                                               byte[] manifestBytes, byte[] signature) {
        SiteCharge charge = state.kind() == RoundKind.TRAIN ? chargeFor(study, state, site, m)
                : evaluationCharge(study, site, m);
        return charge == null ? null : new ReleaseCharge(Release.of(state.studyId(), state.roundNumber(),
                state.roundId(), state.attempt(), site, m.getPayloadSha256().toByteArray(), manifestBytes, signature),
                charge);
    }

    public static ByteString copy(byte[] b) {
        return ByteString.copyFrom(b);
    }

    static TaskKind taskKind(RoundKind k) {
        return k == RoundKind.TRAIN ? TaskKind.TRAIN : TaskKind.EVALUATE;
    }
}
