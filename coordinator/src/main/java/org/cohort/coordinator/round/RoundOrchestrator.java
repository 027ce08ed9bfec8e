package org.cohort.coordinator.round;

import java.time.Clock;
import java.util.HashSet;
import org.cohort.coordinator.cluster.LeaderInbox;
import org.cohort.coordinator.study.Study;
import org.cohort.coordinator.study.StudyRepository;
import org.cohort.coordinator.study.StudyStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Drives every running study through its rounds, and the one place that decides in which order
 * things happen to a round. Its collaborators each do one job and say what should follow
 * ({@link Transition}, {@link SecureRoundDriver.Next}, {@link DriverTakeover.Found}); this class
 * stores each transition and acts on its decision: aggregate (unmask a secure round, or publish),
 * retry, or wait.
 *
 * <ul>
 *   <li>{@link RoundTasks} starts attempts and (re)sends tasks;</li>
 *   <li>{@link UploadIntake} takes uploads on every replica; the driver hears of each on its inbox;</li>
 *   <li>{@link SecureRoundDriver} runs the SecAgg+ stages of a secure round;</li>
 *   <li>{@link RoundPublisher} merges or unmasks, charges, records and publishes;</li>
 *   <li>{@link RoundEnding} drops sites, retries, abandons and cleans up;</li>
 *   <li>{@link DriverTakeover} adopts what a previous driver left and recovers lost uploads.</li>
 * </ul>
 *
 * <p>Exactly one replica drives rounds (the lease of {@link RoundCluster}); it is entered from
 * the scheduler ({@link #tick}) and from its inbox thread ({@link #onLeaderEvent}), and this
 * object's lock serialises the two. Round state lives in the cluster ({@link RoundStore}), so a
 * new driver continues where the old one stopped.
 */
@Component
public class RoundOrchestrator {
    private static final Logger log = LoggerFactory.getLogger(RoundOrchestrator.class);

    private final Object lock = new Object();
    private final RoundStore store;
    private final RoundCluster cluster;
    private final PartialSums partials;
    private final StudyRepository studies;
    private final RoundTasks tasks;
    private final UploadIntake intake;
    private final SecureRoundDriver secure;
    private final RoundPublisher publisher;
    private final RoundEnding ending;
    private final DriverTakeover takeover;
    private final SecureRounds secureRounds;
    private final Clock clock;

    RoundOrchestrator(
            RoundStore store,
            RoundCluster cluster,
            PartialSums partials,
            StudyRepository studies,
            RoundTasks tasks,
            UploadIntake intake,
            SecureRoundDriver secure,
            RoundPublisher publisher,
            RoundEnding ending,
            DriverTakeover takeover,
            SecureRounds secureRounds,
            Clock clock) {
        this.store = store;
        this.cluster = cluster;
        this.partials = partials;
        this.studies = studies;
        this.tasks = tasks;
        this.intake = intake;
        this.secure = secure;
        this.publisher = publisher;
        this.ending = ending;
        this.takeover = takeover;
        this.secureRounds = secureRounds;
        this.clock = clock;
        cluster.onDriverEvents(this::onLeaderEvent);
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
        if (!cluster.inQuorum()) {
            // The minority side of a split: its agents must move to replicas that can reach the driver.
            cluster.disconnectAgentsHere("this coordinator replica lost contact with a quorum of the cluster;"
                    + " reconnect to another address");
        }
        sweepPartialSums();
        synchronized (lock) {
            if (!lead()) {
                return;
            }
            if (cluster.membersLeft()) {
                takeover.collectingPlainRounds().forEach(this::recover);
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

    /** What the other replicas tell the driver; runs here only while this replica drives rounds. */
    void onLeaderEvent(LeaderInbox.Event event) {
        synchronized (lock) {
            switch (event) {
                case LeaderInbox.SiteDropped d -> dropSite(d.roundId(), d.siteId(), d.outcome(), d.reason());
                case LeaderInbox.SecAggMessage m ->
                    SecureRoundDriver.parse(m.siteId(), m.step())
                            .ifPresent(step -> follow(secure.onStep(m.siteId(), step)));
                case LeaderInbox.SiteConnected c -> tasks.resend(c.siteId());
                case LeaderInbox.UploadHeld h ->
                    intake.counted(h).ifPresent(t -> {
                        secure.maskedInputIn(h.roundId(), h.siteId());
                        apply(t);
                    });
            }
        }
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
                cluster.tellDriver(new LeaderInbox.SiteDropped(roundId, site, "REVOKED", "site revoked: " + reason));
            }
        }
    }

    private void dropSite(String roundId, String site, String outcome, String reason) {
        var dropped = ending.drop(carrying(store.round(roundId), site), site, outcome, reason);
        if (dropped.isEmpty()) {
            return;
        }
        apply(dropped.get());
        // In a key-exchange stage, the others need not wait for the stage deadline.
        if (secure.excused(roundId, site)) {
            closeSecureStage(roundId);
        }
    }

    /**
     * The round a site's task of {@code round} now counts in: {@code round} itself, or, once a
     * buffered round has published, the study's round that carried the task in. A task that no
     * round carries yet (the next could not start) is taken out of what the next one will carry.
     */
    private RoundState carrying(RoundState round, String site) {
        if (round == null || round.isOpen() || !round.buffered()) {
            return round;
        }
        String activeId = store.activeRoundId(round.studyId());
        RoundState active = activeId == null ? null : store.round(activeId);
        CarriedTask task = active == null ? null : active.carried().get(site);
        if (task != null && task.roundId().equals(round.roundId())) {
            return active;
        }
        var next = new java.util.HashMap<>(store.carried(round.studyId()));
        if (next.containsKey(site) && next.get(site).roundId().equals(round.roundId())) {
            next.remove(site);
            store.carry(round.studyId(), next);
        }
        return round;
    }

    /** Renews this replica's claim to drive rounds; takes over or steps down when that changes. */
    private boolean lead() {
        switch (cluster.refreshLease()) {
            case ACQUIRED -> takeOver();
            case LOST -> secureRounds.endAll("the coordinator replica stepped down");
            case NONE -> {}
        }
        return cluster.drives();
    }

    /**
     * This replica starts driving rounds: it continues what it can of the rounds the cluster holds
     * and closes the rest ({@link DriverTakeover}). A replica that stops driving drops only its
     * secure-aggregation servers: its sessions and partial sums stay for the new driver to merge.
     */
    private void takeOver() {
        String reason = "abandoned: the coordinator replica driving this round stopped; replica " + cluster.memberId()
                + " retries it (lease term " + cluster.leaseTerm() + ")";
        var continued = new HashSet<String>();
        for (DriverTakeover.Found found : takeover.survey()) {
            switch (found) {
                case DriverTakeover.Lost lost -> takeover.forget(lost);
                case DriverTakeover.Stranded stranded -> ending.abandon(stranded.state(), reason);
                case DriverTakeover.Adoptable open -> {
                    String roundId = open.state().roundId();
                    try {
                        adopt(open.state());
                        continued.add(roundId);
                    } catch (RuntimeException e) {
                        log.warn(
                                "round {} cannot be continued ({}); it is closed and retried", roundId, e.getMessage());
                        ending.abandon(
                                store.round(roundId), reason + " (it could not be continued: " + e.getMessage() + ")");
                    }
                }
            }
        }
        takeover.closeStale(continued, reason);
    }

    /**
     * Continues a collecting round that another replica drove: first what died with the old driver
     * (so a round completed by the count below has asked for it), then what the live replicas hold
     * but the old driver had not counted; every site still outstanding gets its task again in case
     * it missed it.
     */
    private void adopt(RoundState state) {
        recover(state);
        takeover.countHeld(state.roundId()).ifPresent(this::apply);
        RoundState current = store.round(state.roundId());
        if (current != null && current.isOpen()) {
            log.info(
                    "round {} of study {} continues under this replica: {} reported, {} outstanding",
                    current.roundNumber(),
                    current.studyId(),
                    current.reported(),
                    current.outstanding());
            current.outstanding().forEach(site -> tasks.send(current, site));
        }
    }

    /** Uploads held by replicas that left the cluster: their sites are outstanding again and asked to re-send. */
    private void recover(RoundState state) {
        var recovery = takeover.recoverLost(state);
        apply(recovery.transition());
        for (String site : recovery.askAgain()) {
            tasks.send(store.round(state.roundId()), site);
        }
    }

    private void drive(Study study) {
        String activeId = store.activeRoundId(study.studyId());
        if (study.status() != StudyStatus.RUNNING) {
            if (activeId != null) {
                ending.abandon(
                        store.round(activeId), "study " + study.status().name().toLowerCase());
            }
            return;
        }
        if (activeId == null) {
            tasks.start(study);
        } else if (secure.overdue(activeId, clock.instant())) {
            closeSecureStage(activeId);
        } else {
            apply(RoundStateMachine.onTick(store.round(activeId), clock.instant()));
        }
    }

    /** Stores the round's new state and does what its decision asks. */
    private void apply(Transition t) {
        RoundState state = t.state();
        store.save(state);
        switch (t.decision()) {
            case WAIT -> {}
            case AGGREGATE -> {
                if (secureRounds.drives(state.roundId())) {
                    follow(secure.startConsistency(state));
                } else {
                    publish(state);
                }
            }
            case RETRY -> ending.retry(state);
        }
    }

    private void publish(RoundState state) {
        var retry = publisher.publish(state);
        if (retry.isPresent()) {
            apply(retry.get());
        } else if (state.buffered()) {
            // FedBuff: the next buffer opens now, not at the next tick, so the updates of the sites
            // still training find the round that carries their tasks in.
            studies.find(state.studyId()).ifPresent(this::drive);
        }
    }

    /** Ends the secure round's current stage: its silent sites are dropped, then the next stage starts. */
    private void closeSecureStage(String roundId) {
        var end = secure.endStage(roundId);
        if (end.isEmpty()) {
            return;
        }
        for (String site : end.get().late()) {
            ending.drop(store.round(roundId), site, "DROPPED", end.get().reason())
                    .ifPresent(this::apply);
        }
        follow(secure.closeStage(end.get()));
    }

    private void follow(SecureRoundDriver.Next next) {
        switch (next) {
            case SecureRoundDriver.Wait w -> {}
            case SecureRoundDriver.CloseStage c -> closeSecureStage(c.roundId());
            case SecureRoundDriver.Publish p -> publish(store.round(p.roundId()));
            case SecureRoundDriver.Retry r -> apply(r.failed());
        }
    }
}
