package org.cohort.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.cohort.coordinator.study.StudySpec;
import org.cohort.protocol.v1.CoordinatorMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replica that starts driving rounds finds what the previous driver left in the cluster: it
 * adopts a collecting plain round, abandons what cannot continue, and asks again for uploads that
 * were lost with a replica.
 */
class DriverTakeoverTest {
    @TempDir
    Path dir;

    private RoundRig rig;

    /** A round the previous driver started (this replica does not drive yet), with its tasks sent. */
    private RoundState leftByTheOldDriver(StudySpec spec, String... sites) {
        rig = new RoundRig(dir);
        rig.study("st-1", spec);
        rig.connect("st-1", sites);
        rig.cluster.lease = false;
        rig.orchestrator.start();
        new RoundTasks(
                        rig.store,
                        rig.cluster,
                        new SecureRounds(),
                        id -> java.util.Optional.of(rig.siteRecords.get(id)),
                        rig.studies,
                        rig.history,
                        rig.registry,
                        rig.compliance,
                        rig.audit,
                        new TaskFactory(),
                        rig.clock)
                .start(rig.studies.get("st-1"));
        RoundState round = rig.active("st-1");
        rig.cluster.sent.clear();
        return round;
    }

    private int tasksTo(String site) {
        return rig.cluster.to(site, CoordinatorMessage.KindCase.ROUND_TASK).size();
    }

    /** An upload another replica holds, whose notice died with the old driver. */
    private void heldElsewhere(String member, String site, RoundState round) {
        rig.cluster.alive.add(member);
        var intake = new UploadIntake(
                rig.store,
                rig.cluster,
                rig.replicas.of(member),
                rig.studies,
                rig.registry,
                id -> java.util.Optional.of(rig.siteRecords.get(id)),
                rig.compliance,
                rig.history,
                rig.clock);
        var m = rig.manifest(
                site, round, new byte[RoundRig.PARAMETERS * 4], org.cohort.protocol.v1.TensorEncoding.FLOAT32_LE);
        try {
            Path spool = java.nio.file.Files.write(dir.resolve(site + ".f32"), new byte[RoundRig.PARAMETERS * 4]);
            intake.accept(m, m.toByteArray(), rig.keys.get(site).sign(m.toByteArray()), site, spool);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        rig.cluster.toDriver.clear();
    }

    @Test
    void aTakeoverAdoptsAnOpenRoundCountingWhatLiveReplicasHoldAndAskingAgainForWhatWasLost() {
        RoundState round = leftByTheOldDriver(RoundRig.spec(2, 2, 1, null, null), "a", "b", "c");
        heldElsewhere("replica-b", "a", round);
        // c's update was counted by the old driver, but the replica holding it has left the cluster.
        rig.store.claim(round.roundId(), "c", "replica-gone");
        rig.store.save(RoundStateMachine.onUploadAccepted(round, "c").state());

        rig.cluster.lease = true;
        rig.orchestrator.tick();

        RoundState adopted = rig.store.round(round.roundId());
        assertThat(adopted.isOpen()).isTrue();
        assertThat(adopted.reported()).containsExactly("a");
        assertThat(adopted.outstanding()).containsExactlyInAnyOrder("b", "c");
        assertThat(rig.history.status(round.roundId()))
                .as("continued, not closed")
                .isEqualTo("COLLECTING");
        assertThat(rig.history.outcomes(round.roundId(), "c")).containsExactly("LOST");
        assertThat(rig.store.claimHolder(round.roundId(), "c")).isNull();
        assertThat(tasksTo("a")).isZero();
        assertThat(tasksTo("b")).isEqualTo(1);
        assertThat(tasksTo("c")).as("asked again, then as an outstanding site").isEqualTo(2);

        // The round goes on under this replica: the others' updates complete it.
        rig.upload("b", adopted, new float[RoundRig.PARAMETERS]);
        rig.upload("c", adopted, new float[RoundRig.PARAMETERS]);
        rig.cluster.deliver();
        assertThat(rig.registry.find("st-1", 2)).isPresent();
    }

    @Test
    void aSecureRoundCannotBeAdoptedAndIsAbandonedForAFreshAttempt() {
        RoundState round = leftByTheOldDriver(
                RoundRig.spec(2, 3, 1, null, new StudySpec.SecureAggregation(true, null, null, 4.0, 20)),
                "a",
                "b",
                "c");

        rig.cluster.lease = true;
        rig.orchestrator.tick();

        assertThat(rig.history.status(round.roundId())).isEqualTo("FAILED");
        assertThat(rig.history.rounds.get(round.roundId()).detail())
                .isEqualTo("abandoned: the coordinator replica"
                        + " driving this round stopped; replica replica-a retries it (lease term 1)");
        assertThat(rig.cluster.to("a", CoordinatorMessage.KindCase.CANCEL_TASK)).hasSize(1);
        assertThat(rig.compliance.charged).isEmpty();
        RoundState fresh = rig.active("st-1");
        assertThat(fresh.attempt()).as("the same tick starts the next attempt").isEqualTo(2);
    }

    @Test
    void aRoundTheClusterLostIsForgottenAndItsHistoryClosed() {
        RoundState round = leftByTheOldDriver(RoundRig.spec(2, 2, 1, null, null), "a", "b");
        var emptied = MapRoundStore.inMemory();
        emptied.activate(round); // only the study's pointer survived
        var found = new DriverTakeover(emptied, rig.cluster, rig.replicas, rig.secureRounds, rig.history, rig.clock)
                .survey();

        assertThat(found).containsExactly(new DriverTakeover.Lost(round.roundId()));

        rig.cluster.lease = true;
        rig.store.forgetActive(round.roundId());
        rig.orchestrator.tick();
        assertThat(rig.history.status(round.roundId())).isEqualTo("FAILED");
    }

    @Test
    void anUploadLostWithAReplicaThatLeftIsAskedForAgain() {
        RoundState round = leftByTheOldDriver(RoundRig.spec(2, 2, 1, null, null), "a", "b");
        rig.cluster.lease = true;
        rig.orchestrator.tick();
        heldElsewhere("replica-b", "a", round);
        rig.orchestrator.onLeaderEvent(
                new org.cohort.coordinator.cluster.LeaderInbox.UploadHeld(round.roundId(), "a", "replica-b"));
        rig.cluster.sent.clear();
        assertThat(rig.store.round(round.roundId()).reported()).containsExactly("a");

        rig.cluster.alive.remove("replica-b");
        rig.cluster.membersLeft = true;
        rig.orchestrator.tick();

        assertThat(rig.store.round(round.roundId()).reported()).isEmpty();
        assertThat(rig.history.outcomes(round.roundId(), "a")).contains("LOST");
        assertThat(tasksTo("a")).isEqualTo(1);
        // The site sends the same signed update again, to a live replica.
        rig.upload("a", round, new float[RoundRig.PARAMETERS]);
        assertThat(rig.store.claimHolder(round.roundId(), "a")).isEqualTo(RoundRig.ME);
    }
}
