package org.cohort.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.cohort.coordinator.study.StudyStatus;
import org.cohort.protocol.v1.CoordinatorMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How attempts that publish nothing end: retried, failed for good, abandoned; and nothing of them left behind. */
class RoundEndingTest {
    @TempDir
    Path dir;

    private RoundRig rig;

    private RoundState running(int maxRetries, String... sites) {
        rig = new RoundRig(dir);
        rig.study("st-1", RoundRig.spec(2, 2, maxRetries, null, null));
        rig.connect("st-1", sites);
        rig.orchestrator.start();
        rig.orchestrator.tick();
        return rig.active("st-1");
    }

    @Test
    void aRoundWhoseDeadlinePassesWithTooFewReportsIsRetriedThenFailsAfterMaxRetries() {
        RoundState first = running(1, "a", "b");
        rig.upload("a", first, new float[RoundRig.PARAMETERS]);
        rig.cluster.deliver();

        rig.clock.advance(Duration.ofSeconds(60));
        rig.orchestrator.tick();
        assertThat(rig.history.status(first.roundId())).isEqualTo("FAILED");
        assertThat(rig.history.rounds.get(first.roundId()).detail()).contains("only 1 of 2 sites reported");
        assertThat(rig.store.claimHolder(first.roundId(), "a")).as("forgotten").isNull();
        assertThat(rig.studies.get("st-1").status()).isEqualTo(StudyStatus.RUNNING);

        rig.orchestrator.tick();
        RoundState second = rig.active("st-1");
        assertThat(second.roundNumber()).isEqualTo(1);
        assertThat(second.attempt()).isEqualTo(2);

        rig.clock.advance(Duration.ofSeconds(60));
        rig.orchestrator.tick();

        assertThat(rig.history.status(second.roundId())).isEqualTo("FAILED");
        assertThat(rig.studies.get("st-1").status()).isEqualTo(StudyStatus.FAILED);
        assertThat(rig.studies.get("st-1").statusDetail()).startsWith("round 1 failed 2 times: only 0 of 2");
        assertThat(rig.audit.entries).singleElement().asString().startsWith("FAILED st-1: round 1 failed 2 times");
        rig.orchestrator.tick();
        assertThat(rig.active("st-1")).as("a failed study starts nothing").isNull();
    }

    @Test
    void aDroppedSiteGoesOnRecordAndTheRoundSettlesWithoutIt() {
        RoundState round = running(1, "a", "b", "c");
        rig.upload("a", round, new float[RoundRig.PARAMETERS]);
        rig.upload("b", round, new float[RoundRig.PARAMETERS]);
        rig.cluster.deliver();

        var t = rig.ending.drop(rig.store.round(round.roundId()), "c", "REFUSED", "the admin declined");

        assertThat(t).hasValueSatisfying(d -> assertThat(d.decision()).isEqualTo(RoundDecision.AGGREGATE));
        assertThat(rig.history.outcomes(round.roundId(), "c")).containsExactly("REFUSED");
        assertThat(rig.ending.drop(rig.store.round(round.roundId()), "a", "REFUSED", "too late"))
                .as("a reported")
                .isEmpty();
    }

    @Test
    void anAbandonedRoundTellsTheSitesStillWorkingToStopAndLeavesNothingBehind() {
        RoundState round = running(1, "a", "b");
        rig.upload("a", round, new float[RoundRig.PARAMETERS]);
        rig.cluster.deliver();

        rig.ending.abandon(rig.store.round(round.roundId()), "study stopped");

        assertThat(rig.store.round(round.roundId()).phase()).isEqualTo(RoundPhase.FAILED);
        assertThat(rig.history.rounds.get(round.roundId()).detail()).isEqualTo("study stopped");
        assertThat(rig.active("st-1")).isNull();
        assertThat(rig.store.claimHolder(round.roundId(), "a")).isNull();
        assertThat(rig.replicas.of(RoundRig.ME).rounds()).isEmpty();
        assertThat(rig.cluster.to("b", CoordinatorMessage.KindCase.CANCEL_TASK))
                .singleElement()
                .satisfies(m -> assertThat(m.getCancelTask().getReason()).isEqualTo("study stopped"));
        assertThat(rig.cluster.to("a", CoordinatorMessage.KindCase.CANCEL_TASK))
                .as("a is done already")
                .isEmpty();
    }
}
