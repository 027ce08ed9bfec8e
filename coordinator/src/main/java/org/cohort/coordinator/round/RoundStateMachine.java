package org.cohort.coordinator.round;

import java.time.Instant;
import java.util.HashSet;

/**
 * The rules of a round attempt, free of I/O: select → distribute → collect → aggregate →
 * publish. A site leaves a round only by reporting, refusing, being rejected, or by the
 * round's deadline — never because its heartbeats were late (local training may take
 * hours; liveness is shown to people, not used to drop sites).
 */
public final class RoundStateMachine {
    private RoundStateMachine() {}

    /** An upload from {@code site} passed every check and was folded into the aggregate. */
    public static Transition onUploadAccepted(RoundState state, String site) {
        requireOpen(state);
        if (!state.selected().contains(site)) {
            throw new IllegalStateException("site " + site + " was not selected for round " + state.roundId());
        }
        if (state.reported().contains(site) || state.dropped().containsKey(site)) {
            throw new IllegalStateException("site " + site + " already accounted for in round " + state.roundId());
        }
        var reported = new HashSet<>(state.reported());
        reported.add(site);
        return settleIfComplete(state.with(reported, state.dropped(), RoundPhase.COLLECTING, state.detail()));
    }

    /** The site refused the task, failed, disconnected for good, or sent an update that was rejected. */
    public static Transition onSiteDropped(RoundState state, String site, String reason) {
        if (!state.isOpen() || !state.outstanding().contains(site)) {
            return new Transition(state, RoundDecision.WAIT);
        }
        return settleIfComplete(
                state.with(state.reported(), state.droppedPlus(site, reason), RoundPhase.COLLECTING, state.detail()));
    }

    /**
     * An accepted upload was lost with the coordinator replica that held it in its partial sum:
     * the site is expected again (it re-sends the same signed update; nothing new is spent).
     */
    public static Transition onUploadLost(RoundState state, String site, String reason) {
        if (!state.isOpen() || !state.reported().contains(site)) {
            return new Transition(state, RoundDecision.WAIT);
        }
        var reported = new HashSet<>(state.reported());
        reported.remove(site);
        return new Transition(state.with(reported, state.dropped(), RoundPhase.COLLECTING, reason), RoundDecision.WAIT);
    }

    /**
     * The round closes with exactly the uploads found in the replicas' sealed partial sums (a
     * notice of acceptance may still have been in flight): those are what the aggregate holds.
     */
    public static RoundState withContributors(RoundState state, java.util.Set<String> contributors) {
        if (state.phase() != RoundPhase.AGGREGATING) {
            throw new IllegalStateException("round " + state.roundId() + " is " + state.phase() + ", not aggregating");
        }
        var dropped = new java.util.LinkedHashMap<>(state.dropped());
        dropped.keySet().removeAll(contributors);
        // Reported but not held: lost. (A buffered round's sites still training are neither: they go on.)
        for (String site : state.reported()) {
            if (!contributors.contains(site) && !dropped.containsKey(site)) {
                dropped.put(site, "its update was lost with a coordinator replica before the round closed");
            }
        }
        return state.with(contributors, dropped, RoundPhase.AGGREGATING, state.detail());
    }

    /** Clock tick: closes the round when its deadline has passed. */
    public static Transition onTick(RoundState state, Instant now) {
        if (!state.isOpen() || now.isBefore(state.deadline())) {
            return new Transition(state, RoundDecision.WAIT);
        }
        var dropped = new java.util.LinkedHashMap<>(state.dropped());
        for (String site : state.outstanding()) {
            dropped.put(site, "no update before the round deadline " + state.deadline());
        }
        return close(state.with(state.reported(), dropped, RoundPhase.COLLECTING, state.detail()));
    }

    /** The aggregate was computed and published (or the evaluation recorded). */
    public static RoundState completed(RoundState state, String detail) {
        if (state.phase() != RoundPhase.AGGREGATING) {
            throw new IllegalStateException("round " + state.roundId() + " is " + state.phase() + ", not aggregating");
        }
        return state.with(state.reported(), state.dropped(), RoundPhase.COMPLETED, detail);
    }

    /** Abandons an open round (study stopped, coordinator shutting down). Nothing from it is released. */
    public static RoundState abandoned(RoundState state, String reason) {
        return state.with(state.reported(), state.dropped(), RoundPhase.FAILED, reason);
    }

    /**
     * A round closes when no selected site is outstanding; a buffered round as soon as its buffer
     * holds K reports, without waiting for the sites still training (they are carried into the next
     * round, see {@link CarriedTask}).
     */
    private static Transition settleIfComplete(RoundState state) {
        boolean full = state.buffered() && state.reported().size() >= state.bufferSize();
        return full || state.outstanding().isEmpty() ? close(state) : new Transition(state, RoundDecision.WAIT);
    }

    private static Transition close(RoundState state) {
        if (state.reported().size() >= state.minSites()) {
            return new Transition(
                    state.with(
                            state.reported(),
                            state.dropped(),
                            RoundPhase.AGGREGATING,
                            state.reported().size() + " of " + state.selected().size() + " sites reported"
                                    + (state.buffered() && !state.outstanding().isEmpty()
                                            ? "; " + state.outstanding().size()
                                                    + " still training go on into the next buffer"
                                            : "")),
                    RoundDecision.AGGREGATE);
        }
        String why = "only " + state.reported().size() + " of "
                + state.selected().size() + " sites reported; the study needs at least " + state.minSites();
        return new Transition(
                state.with(state.reported(), state.dropped(), RoundPhase.FAILED, why), RoundDecision.RETRY);
    }

    private static void requireOpen(RoundState state) {
        if (!state.isOpen()) {
            throw new IllegalStateException(
                    "round " + state.roundId() + " is " + state.phase() + " and accepts no uploads");
        }
    }
}
