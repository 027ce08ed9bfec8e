package org.cohort.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cohort.coordinator.study.StudyStatus;
import org.cohort.protocol.v1.TensorEncoding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What an aggregating round turns into: a published, recorded and charged version, or nothing at all. */
class RoundPublisherTest {
    @TempDir
    Path dir;

    private RoundRig rig;

    private RoundState running(org.cohort.coordinator.study.StudySpec.Privacy privacy, int rounds, String... sites) {
        rig = new RoundRig(dir);
        rig.study("st-1", RoundRig.spec(rounds, 2, 1, privacy, null));
        rig.connect("st-1", sites.length == 0 ? new String[] {"a", "b"} : sites);
        rig.orchestrator.start();
        rig.orchestrator.tick();
        return rig.active("st-1");
    }

    @Test
    void theMergedPartialSumsBecomeTheNextVersionOnRecordBeforeItIsPublished() {
        RoundState round = running(null, 2);
        rig.upload("a", round, 1, 2, 3, 4, 5, 6, 7, 8);
        rig.upload("b", round, 3, 4, 5, 6, 7, 8, 9, 10);
        rig.cluster.deliver();

        var published = rig.registry.find("st-1", 2).orElseThrow();
        assertThat(rig.registry.readParameters(published)).containsExactly(2, 3, 4, 5, 6, 7, 8, 9);
        assertThat(published.contributors()).containsExactly("a", "b");
        assertThat(rig.compliance.recorded).singleElement().satisfies(r -> {
            assertThat(r.participants()).containsExactly("a", "b");
            assertThat(r.resultVersion()).isEqualTo(2);
            assertThat(r.resultDigest()).isEqualTo(published.payloadSha256Hex());
        });
        assertThat(rig.history.rounds.get(round.roundId()).resultVersion()).isEqualTo(2);
        assertThat(rig.history.status(round.roundId())).isEqualTo("COMPLETED");
        var study = rig.studies.get("st-1");
        assertThat(study.currentVersion()).isEqualTo(2);
        assertThat(study.roundsDone()).isEqualTo(1);
        assertThat(rig.active("st-1")).isNull();
        assertThat(rig.store.claimHolder(round.roundId(), "a")).isNull();
        assertThat(rig.replicas.of(RoundRig.ME).rounds()).isEmpty();
    }

    @Test
    void aDpRoundGoesOnRecordWithTheChargesMadeWhenItsUpdatesArrived() {
        RoundState round = running(RoundRig.siteLevel(), 2);
        rig.upload("a", round, new float[RoundRig.PARAMETERS]);
        rig.upload("b", round, new float[RoundRig.PARAMETERS]);
        rig.cluster.deliver();

        assertThat(rig.compliance.charged).hasSize(2);
        assertThat(rig.compliance.recorded)
                .singleElement()
                .satisfies(r -> assertThat(r.charges())
                        .extracting(c -> c.release().siteId())
                        .containsExactly("a", "b"));
    }

    @Test
    void whenTheRoundCannotGoOnRecordNothingIsPublishedAndTheAttemptIsRetried() throws IOException {
        RoundState round = running(null, 2);
        rig.compliance.recordingFails = true;
        rig.upload("a", round, new float[RoundRig.PARAMETERS]);
        rig.upload("b", round, new float[RoundRig.PARAMETERS]);
        rig.cluster.deliver();

        assertThat(rig.registry.find("st-1", 2)).isEmpty();
        try (var files = Files.list(dir.resolve("models").resolve("st-1"))) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .as("the staged version is gone")
                    .containsExactly(rig.registry
                            .find("st-1", 1)
                            .orElseThrow()
                            .path()
                            .getFileName()
                            .toString());
        }
        assertThat(rig.history.status(round.roundId())).isEqualTo("FAILED");
        assertThat(rig.history.rounds.get(round.roundId()).detail()).contains("closing the round failed");
        assertThat(rig.studies.get("st-1").currentVersion()).isEqualTo(1);
    }

    @Test
    void aVersionAReplicaPublishedBeforeStoppingClosesTheRoundWithoutPublishingAgain() {
        RoundState round = running(null, 2);
        // The driver that stopped had published version 2 of round 1 but not closed the round.
        var earlier = rig.registry.publish("st-1", 2, 1, 1, "{}", new float[] {9, 9, 9, 9, 9, 9, 9, 9}, List.of("a"));
        rig.upload("a", round, 1, 2, 3, 4, 5, 6, 7, 8);
        rig.upload("b", round, 3, 4, 5, 6, 7, 8, 9, 10);
        rig.cluster.deliver();

        assertThat(rig.history.status(round.roundId())).isEqualTo("COMPLETED");
        assertThat(rig.history.rounds.get(round.roundId()).resultVersion()).isEqualTo(2);
        assertThat(rig.registry.find("st-1", 2)).contains(earlier);
        assertThat(rig.registry.readParameters(earlier)).containsOnly(9);
        assertThat(rig.compliance.recorded)
                .as("already on record by the attempt that published")
                .isEmpty();
        var study = rig.studies.get("st-1");
        assertThat(study.currentVersion()).isEqualTo(2);
        assertThat(study.roundsDone()).isEqualTo(1);
        assertThat(rig.active("st-1")).isNull();
    }

    @Test
    void aReplicaThatLosesTheRaceToPublishAdoptsTheWinnersVersionAndLeavesItsFilesIntact() throws IOException {
        RoundState round = running(null, 2);
        var winner = new java.util.concurrent.atomic.AtomicReference<org.cohort.coordinator.registry.ModelVersion>();
        rig.registry.beforeInsert = () -> winner.set(
                rig.registry.publish("st-1", 2, 1, 1, "{}", new float[] {7, 7, 7, 7, 7, 7, 7, 7}, List.of("b")));
        rig.upload("a", round, 1, 2, 3, 4, 5, 6, 7, 8);
        rig.upload("b", round, 3, 4, 5, 6, 7, 8, 9, 10);
        rig.cluster.deliver();

        assertThat(rig.history.status(round.roundId())).isEqualTo("COMPLETED");
        assertThat(rig.registry.find("st-1", 2)).contains(winner.get());
        assertThat(rig.registry.readParameters(winner.get())).containsOnly(7);
        assertThat(rig.studies.get("st-1").currentVersion()).isEqualTo(2);
        try (var files = Files.list(dir.resolve("models").resolve("st-1"))) {
            assertThat(files.map(f -> f.getFileName().toString()).filter(f -> f.startsWith("v2")))
                    .as("the loser's own file is gone, the winner's kept")
                    .containsExactly(winner.get().path().getFileName().toString());
        }
    }

    @Test
    void aPartialSumThatCannotBeReadBackIsNotMergedAndTheAttemptIsRetried() throws IOException {
        RoundState round = running(null, 2, "a", "b", "c");
        // a's values end early on disk: folding it fails half-way and leaves this replica's sum unusable.
        var m = rig.manifest("a", round, new byte[RoundRig.PARAMETERS * 4], TensorEncoding.FLOAT32_LE);
        Path shortSpool = Files.write(dir.resolve("short.f32"), new byte[8]);
        try {
            rig.intake.accept(m, m.toByteArray(), rig.keys.get("a").sign(m.toByteArray()), "a", shortSpool);
        } catch (RuntimeException expected) {
            // the upload fails; the sum it broke stays broken
        }
        rig.upload("b", round, new float[RoundRig.PARAMETERS]);
        rig.upload("c", round, new float[RoundRig.PARAMETERS]);
        rig.cluster.deliver();
        rig.clock.advance(java.time.Duration.ofSeconds(60));
        rig.orchestrator.tick();

        assertThat(rig.registry.find("st-1", 2)).isEmpty();
        assertThat(rig.history.status(round.roundId())).isEqualTo("FAILED");
        assertThat(rig.history.rounds.get(round.roundId()).detail()).contains("could not be merged");
    }

    @Test
    void theFinalEvaluationCompletesTheStudyWithTheVersionItEvaluated() {
        RoundState round = running(null, 1);
        rig.upload("a", round, new float[RoundRig.PARAMETERS]);
        rig.upload("b", round, new float[RoundRig.PARAMETERS]);
        rig.cluster.deliver();
        rig.orchestrator.tick();
        RoundState evaluation = rig.active("st-1");
        assertThat(evaluation.kind()).isEqualTo(RoundKind.EVALUATE);

        rig.upload("a", evaluation);
        rig.upload("b", evaluation);
        rig.cluster.deliver();

        var study = rig.studies.get("st-1");
        assertThat(study.status()).isEqualTo(StudyStatus.COMPLETED);
        assertThat(study.statusDetail()).isEqualTo("completed 1 rounds; final model version 2");
        assertThat(rig.audit.entries).containsExactly("COMPLETED st-1: completed 1 rounds; final model version 2");
        assertThat(rig.registry.find("st-1", 3)).isEmpty();
    }
}
