package org.cohort.coordinator.round;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * What a replica finds when it starts driving rounds, and what it makes of uploads lost with a
 * replica. A collecting plain round continues: its partial sums are with the replicas that
 * received the uploads, so the new driver counts what live replicas hold (a notice may have died
 * with the old driver) and asks again for what died with it. A secure round cannot continue (its
 * secure-aggregation server was with the old driver), nor a round that was being merged, nor one
 * the cluster lost entirely: those are abandoned, nothing from them published or charged, and
 * each study retries its round.
 *
 * <p>Decides and reports; the orchestrator applies the transitions and sends the tasks, in order.
 */
@Component
class DriverTakeover {
    private static final Logger log = LoggerFactory.getLogger(DriverTakeover.class);

    /** A round the cluster says a study runs, as a new driver finds it. */
    sealed interface Found {}

    /** The cluster lost the round's state (every replica restarted): only its entry as the study's round is left. */
    record Lost(String roundId) implements Found {}

    /** A collecting plain round: it continues under the new driver. */
    record Adoptable(RoundState state) implements Found {}

    /** A round that cannot continue here: it is abandoned and retried. */
    record Stranded(RoundState state) implements Found {}

    /**
     * Uploads lost with a replica: the round with those sites expected again (a transition that
     * waits), and the sites to ask for their (unchanged, already signed) update once it is stored.
     */
    record Recovery(Transition transition, List<String> askAgain) {}

    private final RoundStore store;
    private final RoundCluster cluster;
    private final ReplicaSums sums;
    private final SecureRounds secure;
    private final RoundRepository history;
    private final Clock clock;

    DriverTakeover(
            RoundStore store,
            RoundCluster cluster,
            ReplicaSums sums,
            SecureRounds secure,
            RoundRepository history,
            Clock clock) {
        this.store = store;
        this.cluster = cluster;
        this.sums = sums;
        this.secure = secure;
        this.history = history;
        this.clock = clock;
    }

    /** The studies' current rounds as this replica finds them on taking over (those it drives already left out). */
    List<Found> survey() {
        var found = new ArrayList<Found>();
        for (String roundId : store.activeRoundIds()) {
            RoundState state = store.round(roundId);
            if (state == null) {
                found.add(new Lost(roundId));
            } else if (state.isOpen() && !state.secure()) {
                found.add(new Adoptable(state));
            } else if (!secure.drives(roundId)) {
                found.add(new Stranded(state));
            }
        }
        return found;
    }

    /** No study runs a round the cluster lost. */
    void forget(Lost lost) {
        store.forgetActive(lost.roundId());
    }

    /** The collecting plain rounds, whose uploads a replica that left may have held. */
    List<RoundState> collectingPlainRounds() {
        var open = new ArrayList<RoundState>();
        for (String roundId : store.activeRoundIds()) {
            RoundState state = store.round(roundId);
            if (state != null && state.isOpen() && !state.secure()) {
                open.add(state);
            }
        }
        return open;
    }

    /**
     * Uploads of the round held by replicas that left the cluster: their claims are released, and
     * their sites are expected again and asked to re-send (one counted already goes on record as
     * LOST; one not yet counted may believe it was accepted).
     */
    Recovery recoverLost(RoundState state) {
        Set<String> alive = cluster.aliveMembers();
        RoundState current = state;
        var askAgain = new ArrayList<String>();
        for (String site : state.selected()) {
            String holder = store.claimHolder(state.roundId(), site);
            boolean lost = holder != null && !alive.contains(holder);
            if (lost) {
                store.releaseClaim(state.roundId(), site, holder);
            }
            if (lost && current.outstanding().contains(site)) {
                log.warn(
                        "round {}: the replica holding the update of {} left before it was counted; asking again",
                        state.roundId(),
                        site);
                askAgain.add(site);
            } else if (current.reported().contains(site) && (holder == null || lost)) {
                String reason = "the coordinator replica that held the update of " + site + " left the cluster; the"
                        + " site is asked to send the same update again";
                log.warn("round {}: {}", state.roundId(), reason);
                history.insertReport(state.roundId(), site, "LOST", null, null, null, reason, clock.instant());
                current = RoundStateMachine.onUploadLost(current, site, reason).state();
                askAgain.add(site);
            }
        }
        return new Recovery(new Transition(current, RoundDecision.WAIT), askAgain);
    }

    /**
     * Counts what the live replicas hold of the round but the old driver had not counted yet. Stops
     * at the upload that closes the round: the rest is in the sums the closing seals.
     *
     * @return the round's transition, empty when nothing changed
     */
    Optional<Transition> countHeld(String roundId) {
        RoundState start = store.round(roundId);
        Transition last = null;
        for (var held : sums.holdersAll(roundId).entrySet()) {
            for (String site : held.getValue()) {
                RoundState current = last == null ? start : last.state();
                if (current.isOpen()
                        && current.outstanding().contains(site)
                        && held.getKey().equals(store.claimHolder(roundId, site))) {
                    last = RoundStateMachine.onUploadAccepted(current, site);
                    if (last.decision() != RoundDecision.WAIT) {
                        return Optional.of(last);
                    }
                }
            }
        }
        return Optional.ofNullable(last);
    }

    /** Rounds the history still shows open that no study continues: closed as failed, to be retried. */
    void closeStale(Set<String> continued, String reason) {
        int n = history.abandonOpenRoundsExcept(continued, reason, clock.instant());
        if (n > 0) {
            log.warn("closed {} round(s) left open by the replica that drove them before; they will be retried", n);
        }
    }
}
