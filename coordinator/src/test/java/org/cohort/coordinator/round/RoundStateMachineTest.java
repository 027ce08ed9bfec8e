package org.cohort.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RoundStateMachineTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Duration TIMEOUT = Duration.ofMinutes(10);

    private static RoundState round(int minSites, String... sites) {
        return RoundState.builder()
                .roundId("r1")
                .studyId("s")
                .roundNumber(1)
                .baseVersion(0)
                .nonce(new byte[32])
                .selected(Set.of(sites))
                .minSites(minSites)
                .startedAt(T0)
                .deadline(T0.plus(TIMEOUT))
                .build();
    }

    @Test
    void aRoundStateNamesWhatItIsMissingAndKeepsWhatABuilderDoesNotChange() {
        assertThatThrownBy(() -> RoundState.builder().roundId("r1").build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("a round state needs studyId, roundNumber, baseVersion, nonce, selected, minSites,"
                        + " startedAt, deadline");
        var r = round(2, "a", "b");
        var closed = r.toBuilder().phase(RoundPhase.AGGREGATING).build();
        assertThat(closed.phase()).isEqualTo(RoundPhase.AGGREGATING);
        assertThat(closed.toBuilder().phase(RoundPhase.COLLECTING).build().toString())
                .isEqualTo(r.toString());
        assertThat(closed.selected()).isEqualTo(r.selected());
        assertThat(r.kind()).isEqualTo(RoundKind.TRAIN);
        assertThat(r.attempt()).isEqualTo(1);
    }

    @Test
    void aggregatesAsSoonAsEverySelectedSiteReported() {
        var t = RoundStateMachine.onUploadAccepted(round(2, "a", "b", "c"), "a");
        assertThat(t.decision()).isEqualTo(RoundDecision.WAIT);
        t = RoundStateMachine.onUploadAccepted(t.state(), "b");
        assertThat(t.decision()).isEqualTo(RoundDecision.WAIT);
        t = RoundStateMachine.onUploadAccepted(t.state(), "c");
        assertThat(t.decision()).isEqualTo(RoundDecision.AGGREGATE);
        assertThat(t.state().phase()).isEqualTo(RoundPhase.AGGREGATING);
    }

    @Test
    void deadlineClosesRoundWithTheSitesThatReportedWhenEnough() {
        var t = RoundStateMachine.onUploadAccepted(round(2, "a", "b", "c"), "a");
        t = RoundStateMachine.onUploadAccepted(t.state(), "c");
        t = RoundStateMachine.onTick(t.state(), T0.plus(TIMEOUT));
        assertThat(t.decision()).isEqualTo(RoundDecision.AGGREGATE);
        assertThat(t.state().reported()).containsExactlyInAnyOrder("a", "c");
        assertThat(t.state().dropped()).containsOnlyKeys("b");
        assertThat(t.state().dropped().get("b")).contains("deadline");
    }

    @Test
    void deadlineWithTooFewReportsAsksForRetry() {
        var t = RoundStateMachine.onUploadAccepted(round(2, "a", "b", "c"), "a");
        t = RoundStateMachine.onTick(t.state(), T0.plus(TIMEOUT).plusMillis(1));
        assertThat(t.decision()).isEqualTo(RoundDecision.RETRY);
        assertThat(t.state().phase()).isEqualTo(RoundPhase.FAILED);
        assertThat(t.state().detail()).contains("only 1 of 3").contains("at least 2");
    }

    @Test
    void siteTrainingLongerThanManyHeartbeatsIsStillWaitedForUntilTheDeadline() {
        // Heartbeats are not inputs of the machine at all: only the deadline drops a site.
        var state = RoundStateMachine.onUploadAccepted(round(3, "a", "b", "slow"), "a")
                .state();
        state = RoundStateMachine.onUploadAccepted(state, "b").state();
        for (int minute = 0; minute < 10; minute++) {
            var t = RoundStateMachine.onTick(state, T0.plus(Duration.ofMinutes(minute)));
            assertThat(t.decision()).isEqualTo(RoundDecision.WAIT);
            state = t.state();
        }
        assertThat(state.outstanding()).containsExactly("slow");
        var t = RoundStateMachine.onUploadAccepted(state, "slow");
        assertThat(t.decision()).isEqualTo(RoundDecision.AGGREGATE);
    }

    @Test
    void refusalsCountAsDroppedAndCloseTheRoundEarly() {
        var t = RoundStateMachine.onUploadAccepted(round(2, "a", "b", "c"), "a");
        t = RoundStateMachine.onUploadAccepted(t.state(), "b");
        t = RoundStateMachine.onSiteDropped(t.state(), "c", "study not accepted by this site");
        assertThat(t.decision()).isEqualTo(RoundDecision.AGGREGATE);
        assertThat(t.state().dropped()).containsEntry("c", "study not accepted by this site");
    }

    @Test
    void tooManyRefusalsCloseTheRoundForRetryWithoutWaitingForTheDeadline() {
        var t = RoundStateMachine.onSiteDropped(round(2, "a", "b"), "a", "refused");
        assertThat(t.decision()).isEqualTo(RoundDecision.WAIT);
        t = RoundStateMachine.onSiteDropped(t.state(), "b", "refused");
        assertThat(t.decision()).isEqualTo(RoundDecision.RETRY);
    }

    @Test
    void rejectsUploadFromUnselectedSite() {
        assertThatThrownBy(() -> RoundStateMachine.onUploadAccepted(round(1, "a"), "intruder"))
                .hasMessageContaining("not selected");
    }

    @Test
    void rejectsSecondUploadFromSameSite() {
        var state = RoundStateMachine.onUploadAccepted(round(1, "a", "b"), "a").state();
        assertThatThrownBy(() -> RoundStateMachine.onUploadAccepted(state, "a"))
                .hasMessageContaining("already accounted");
    }

    @Test
    void closedRoundAcceptsNoUploads() {
        var closed =
                RoundStateMachine.onTick(round(1, "a", "b"), T0.plus(TIMEOUT)).state();
        assertThatThrownBy(() -> RoundStateMachine.onUploadAccepted(closed, "a"))
                .hasMessageContaining("accepts no uploads");
    }

    @Test
    void dropAfterCloseChangesNothing() {
        var closed = RoundStateMachine.onTick(round(1, "a"), T0.plus(TIMEOUT)).state();
        var t = RoundStateMachine.onSiteDropped(closed, "a", "late");
        assertThat(t.state()).isSameAs(closed);
        assertThat(t.decision()).isEqualTo(RoundDecision.WAIT);
    }

    @Test
    void completingRequiresAggregatingPhase() {
        var open = round(1, "a");
        assertThatThrownBy(() -> RoundStateMachine.completed(open, "x")).hasMessageContaining("not aggregating");
        var aggregating = RoundStateMachine.onUploadAccepted(open, "a").state();
        assertThat(RoundStateMachine.completed(aggregating, "v2").phase()).isEqualTo(RoundPhase.COMPLETED);
    }

    @Test
    void aLostUploadMakesItsSiteOutstandingAgainAndTheRoundWaitsForIt() {
        var t = RoundStateMachine.onUploadAccepted(round(2, "a", "b"), "a");
        t = RoundStateMachine.onUploadLost(t.state(), "a", "replica gone");
        assertThat(t.decision()).isEqualTo(RoundDecision.WAIT);
        assertThat(t.state().reported()).isEmpty();
        assertThat(t.state().outstanding()).containsExactly("a", "b");
        // The re-sent update is accepted like the first one and completes the round with b.
        t = RoundStateMachine.onUploadAccepted(t.state(), "a");
        t = RoundStateMachine.onUploadAccepted(t.state(), "b");
        assertThat(t.decision()).isEqualTo(RoundDecision.AGGREGATE);
    }

    @Test
    void aLostUploadOfASiteThatDidNotReportChangesNothing() {
        var state = round(2, "a", "b");
        var t = RoundStateMachine.onUploadLost(state, "a", "replica gone");
        assertThat(t.state()).isSameAs(state);
        assertThat(t.decision()).isEqualTo(RoundDecision.WAIT);
    }

    @Test
    void theSealedContributorsAreWhatTheRoundClosesWith() {
        var t = RoundStateMachine.onUploadAccepted(round(1, "a", "b", "c"), "a");
        t = RoundStateMachine.onTick(t.state(), T0.plus(TIMEOUT));
        // b's upload was folded at another replica but its notice had not arrived yet.
        var closed = RoundStateMachine.withContributors(t.state(), Set.of("a", "b"));
        assertThat(closed.reported()).containsExactlyInAnyOrder("a", "b");
        assertThat(closed.dropped()).containsOnlyKeys("c");
        var lost = RoundStateMachine.withContributors(t.state(), Set.of("b"));
        assertThat(lost.dropped().get("a")).contains("lost with a coordinator replica");
        assertThatThrownBy(() -> RoundStateMachine.withContributors(round(1, "a"), Set.of("a")))
                .isInstanceOf(IllegalStateException.class);
    }
}
