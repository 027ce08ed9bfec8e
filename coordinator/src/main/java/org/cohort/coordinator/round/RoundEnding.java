package org.cohort.coordinator.round;

import java.time.Clock;
import java.util.Optional;
import org.cohort.coordinator.compliance.AuditTrail;
import org.cohort.coordinator.study.Study;
import org.cohort.coordinator.study.StudyRepository;
import org.cohort.coordinator.study.StudyStatus;
import org.cohort.protocol.v1.CancelTask;
import org.cohort.protocol.v1.CoordinatorMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * How a round attempt, or a site's part in it, ends when it does not end in a publication: a
 * site dropped, an attempt closed with too few reports and retried (or the study failed after
 * its retries), an attempt abandoned (study stopped, driver changed). Every way out goes through
 * {@link #close} and {@link #forget}, so no attempt is left open in the history, active in the
 * cluster, or holding partial sums, claims or a secure-aggregation server.
 */
@Component
class RoundEnding {
    private static final Logger log = LoggerFactory.getLogger(RoundEnding.class);

    private final RoundStore store;
    private final RoundCluster cluster;
    private final ReplicaSums sums;
    private final SecureRounds secure;
    private final StudyRepository studies;
    private final RoundRepository history;
    private final AuditTrail auditTrail;
    private final Clock clock;

    RoundEnding(
            RoundStore store,
            RoundCluster cluster,
            ReplicaSums sums,
            SecureRounds secure,
            StudyRepository studies,
            RoundRepository history,
            AuditTrail auditTrail,
            Clock clock) {
        this.store = store;
        this.cluster = cluster;
        this.sums = sums;
        this.secure = secure;
        this.studies = studies;
        this.history = history;
        this.auditTrail = auditTrail;
        this.clock = clock;
    }

    /**
     * A selected site leaves the round (refused, failed, rejected, revoked, or silent past a
     * deadline): its report goes on record. Returns the round's transition; empty when the round
     * no longer expects the site.
     */
    Optional<Transition> drop(RoundState state, String site, String outcome, String reason) {
        if (state == null || !state.isOpen() || !state.outstanding().contains(site)) {
            return Optional.empty();
        }
        history.insertReport(state.roundId(), site, outcome, null, null, null, reason, clock.instant());
        log.info("round {}: site {} dropped ({}): {}", state.roundId(), site, outcome, reason);
        RoundMetrics.siteDropped(outcome);
        return Optional.of(RoundStateMachine.onSiteDropped(state, site, reason));
    }

    /**
     * A site a buffered round did not wait for fell too far behind to be carried into the next one:
     * its report on the attempt that sent the task says why, and it is told to drop that task.
     */
    void tooStale(RoundState state, String site, String reason) {
        history.insertReport(state.task(site).roundId(), site, "STALE", null, null, null, reason, clock.instant());
        log.info(
                "site {} leaves its task of round {}: {}",
                site,
                state.task(site).roundId(),
                reason);
        RoundMetrics.siteDropped("STALE");
        cluster.send(
                site,
                CoordinatorMessage.newBuilder()
                        .setCancelTask(CancelTask.newBuilder()
                                .setRoundId(state.task(site).roundId())
                                .setReason(reason))
                        .build());
    }

    /** The attempt's final state goes on record and its study no longer runs it. */
    void close(RoundState state, Long resultVersion) {
        history.updateClosed(state, resultVersion, clock.instant());
        store.deactivate(state);
    }

    /** Every replica forgets the round's partial sums, upload claims and masked-input roster. */
    void forget(RoundState state) {
        sums.discardAll(state.roundId());
        store.closeMaskedInput(state.roundId());
        for (String site : state.selected()) {
            store.deleteClaim(state.roundId(), site);
        }
    }

    /**
     * Closes a failed attempt (nothing of it is released) and decides what follows: the study
     * starts a fresh attempt at its next tick, or fails once the round has failed more than
     * {@code maxRetries} times.
     */
    void retry(RoundState failed) {
        RoundMetrics.failed(failed);
        close(failed, null);
        forget(failed);
        secure.end(failed.roundId(), failed.detail());
        Study study = studies.find(failed.studyId()).orElseThrow();
        int failures = history.failedAttempts(failed.studyId(), failed.roundNumber());
        if (failures > study.spec().maxRetries()) {
            String detail = "round " + failed.roundNumber() + " failed " + failures + " times: " + failed.detail();
            studies.updateProgress(
                    study.studyId(),
                    StudyStatus.FAILED,
                    detail,
                    study.currentVersion(),
                    study.roundsDone(),
                    clock.instant());
            auditTrail.studyFinished(study.studyId(), StudyStatus.FAILED.name(), detail);
        } else {
            log.info(
                    "round {} of study {} will be retried: {}",
                    failed.roundNumber(),
                    failed.studyId(),
                    failed.detail());
        }
    }

    /**
     * Abandons an attempt: closed as failed with nothing published or charged, forgotten, and the
     * sites still working on it told to stop. An attempt that has ended already is only cleaned up.
     */
    void abandon(RoundState state, String reason) {
        if (state == null) {
            return;
        }
        RoundState gone = state.isOpen() || state.phase() == RoundPhase.AGGREGATING
                ? RoundStateMachine.abandoned(state, reason)
                : state;
        store.save(gone);
        close(gone, null);
        forget(gone);
        secure.end(gone.roundId(), reason);
        for (String site : state.outstanding()) {
            cluster.send(
                    site,
                    CoordinatorMessage.newBuilder()
                            .setCancelTask(CancelTask.newBuilder()
                                    .setRoundId(state.roundId())
                                    .setReason(reason))
                            .build());
        }
    }
}
