package org.cohort.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cohort.coordinator.cluster.LeaderInbox;
import org.cohort.coordinator.ledger.ReleaseCharge;
import org.cohort.coordinator.round.UploadRejection.Reason;
import org.cohort.coordinator.study.StudySpec;
import org.cohort.privacy.accounting.Unit;
import org.cohort.protocol.v1.TensorEncoding;
import org.cohort.protocol.v1.UpdateManifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An upload's way in on the replica that receives it: refused before a value is read, or claimed, folded and told. */
class UploadIntakeTest {
    @TempDir
    Path dir;

    private RoundRig rig;
    private RoundState round;

    private void runningRound(StudySpec.Privacy privacy) {
        rig = new RoundRig(dir);
        rig.study("st-1", RoundRig.spec(2, 2, 1, privacy, null));
        rig.connect("st-1", "a", "b");
        rig.orchestrator.start();
        rig.orchestrator.tick();
        round = rig.active("st-1");
    }

    private UpdateManifest header(String site, RoundState r) {
        return rig.manifest(site, r, new byte[RoundRig.PARAMETERS * 4], TensorEncoding.FLOAT32_LE);
    }

    private Reason admitted(String site, UpdateManifest m) {
        byte[] bytes = m.toByteArray();
        try {
            rig.intake.admit(site, m, bytes, rig.keys.get(site).sign(bytes));
            return null;
        } catch (UploadRejection.Exception e) {
            return e.rejection().reason();
        }
    }

    private static Reason refusal(Runnable upload) {
        try {
            upload.run();
            return null;
        } catch (UploadRejection.Exception e) {
            return e.rejection().reason();
        }
    }

    @Test
    void anUploadForAnUnknownRoundIsRefusedAtItsHeaderAndWhenItsValuesAreIn() {
        runningRound(null);
        var unknown = header("a", round).toBuilder().setRoundId("rd-unknown").build();

        assertThat(admitted("a", unknown)).isEqualTo(Reason.UNKNOWN_ROUND);
        var stranger = new RoundState(
                "rd-unknown",
                "st-1",
                1,
                1,
                RoundKind.TRAIN,
                1,
                round.nonce(),
                round.selected(),
                java.util.Set.of(),
                java.util.Map.of(),
                2,
                RoundRig.T0,
                RoundRig.T0,
                RoundPhase.COLLECTING,
                "",
                false,
                round.declaredExamples(),
                0,
                null);
        assertThat(refusal(() -> rig.upload("a", stranger, new float[RoundRig.PARAMETERS])))
                .isEqualTo(Reason.UNKNOWN_ROUND);
        assertThat(rig.replicas.of(RoundRig.ME).holders("rd-unknown")).isEmpty();
        assertThat(rig.cluster.toDriver).isEmpty();
    }

    @Test
    void aReplayedNonceIsRefusedAndChargesNothing() {
        runningRound(RoundRig.siteLevel());
        byte[] otherNonce = round.nonce();
        otherNonce[0] ^= 1;
        var replay = header("a", round).toBuilder()
                .setNonce(ByteString.copyFrom(otherNonce))
                .build();

        assertThat(admitted("a", replay)).isEqualTo(Reason.REPLAYED_NONCE);
        var replayedRound = new RoundState(
                round.roundId(),
                round.studyId(),
                1,
                1,
                RoundKind.TRAIN,
                1,
                otherNonce,
                round.selected(),
                java.util.Set.of(),
                java.util.Map.of(),
                2,
                RoundRig.T0,
                round.deadline(),
                RoundPhase.COLLECTING,
                "",
                false,
                round.declaredExamples(),
                0,
                null);
        assertThat(refusal(() -> rig.upload("a", replayedRound, new float[RoundRig.PARAMETERS])))
                .isEqualTo(Reason.REPLAYED_NONCE);
        assertThat(rig.compliance.charged).isEmpty();
        assertThat(rig.store.claimHolder(round.roundId(), "a")).isNull();
        // A replay is not the site's own attempt at the round: it stays in.
        rig.intake.refused(replay, "a", new UploadRejection(Reason.REPLAYED_NONCE, "replay"));
        assertThat(rig.cluster.toDriver).isEmpty();
    }

    @Test
    void aManifestSignedWithAnotherKeyIsRefusedAndDropsTheSite() {
        runningRound(null);
        var m = header("a", round);
        byte[] bytes = m.toByteArray();
        var forged = rig.keys
                .computeIfAbsent("mallory", s -> new org.cohort.coordinator.audit.TestSigner())
                .sign(bytes);

        assertThatThrownBy(() -> rig.intake.admit("a", m, bytes, forged))
                .isInstanceOf(UploadRejection.Exception.class)
                .hasMessageContaining("does not verify");
        rig.intake.refused(m, "a", new UploadRejection(Reason.BAD_SIGNATURE, "forged"));
        assertThat(rig.cluster.toDriver)
                .containsExactly(new LeaderInbox.SiteDropped(round.roundId(), "a", "REJECTED", "forged"));
    }

    @Test
    void aManifestNamingAnotherSiteIsRefused() {
        runningRound(null);
        assertThatThrownBy(() -> rig.intake.read("b", header("a", round).toByteArray()))
                .isInstanceOf(UploadRejection.Exception.class)
                .hasMessageContaining("caller's certificate is site 'b'");
    }

    @Test
    void anAcceptedUploadIsClaimedFoldedRecordedAndToldToTheDriverOnce() {
        runningRound(null);
        rig.upload("a", round, 1, 2, 3, 4, 5, 6, 7, 8);

        assertThat(rig.store.claimHolder(round.roundId(), "a")).isEqualTo(RoundRig.ME);
        assertThat(rig.replicas.of(RoundRig.ME).holders(round.roundId())).containsExactly("a");
        assertThat(rig.history.outcomes(round.roundId(), "a")).containsExactly("ACCEPTED");
        assertThat(rig.cluster.toDriver).containsExactly(new LeaderInbox.UploadHeld(round.roundId(), "a", RoundRig.ME));
        assertThat(rig.compliance.charged).as("no DP: nothing to charge").isEmpty();
        assertThat(Files.exists(dir.resolve("spool"))).isTrue();
        try (var left = Files.list(dir.resolve("spool"))) {
            assertThat(left).as("the spool file is gone once folded").isEmpty();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }

        // The same site again, before the driver counted it: its claim is held by a live replica.
        assertThat(refusal(() -> rig.upload("a", round, new float[RoundRig.PARAMETERS])))
                .isEqualTo(Reason.ALREADY_REPORTED);
        assertThat(rig.cluster.toDriver).hasSize(1);
    }

    @Test
    void theClaimOfAReplicaThatLeftTheClusterIsTakenOver() {
        runningRound(null);
        rig.store.claim(round.roundId(), "a", "replica-gone");

        rig.upload("a", round, new float[RoundRig.PARAMETERS]);

        assertThat(rig.store.claimHolder(round.roundId(), "a")).isEqualTo(RoundRig.ME);
    }

    @Test
    void aReplicaCutOffFromTheQuorumHoldsNothingAndReleasesTheClaim() {
        runningRound(null);
        rig.cluster.quorum = false;

        assertThat(rig.intake.servesAgents()).isFalse();
        assertThat(refusal(() -> rig.upload("a", round, new float[RoundRig.PARAMETERS])))
                .isEqualTo(Reason.ROUND_CLOSED);
        assertThat(rig.store.claimHolder(round.roundId(), "a")).isNull();
        assertThat(rig.replicas.of(RoundRig.ME).holders(round.roundId())).isEmpty();
    }

    @Test
    void aSiteRevokedWhileItsUploadWasInFlightIsNotCounted() {
        runningRound(null);
        rig.revoke("a");

        assertThat(refusal(() -> rig.intake.refuseIfRevoked("a"))).isEqualTo(Reason.REVOKED);
        assertThat(refusal(() -> rig.upload("a", round, new float[RoundRig.PARAMETERS])))
                .isEqualTo(Reason.REVOKED);
        assertThat(rig.store.claimHolder(round.roundId(), "a")).isNull();
    }

    @Test
    void aPlainUpdateOfADpStudyIsChargedTheMomentItIsIn() {
        runningRound(RoundRig.siteLevel());
        rig.upload("a", round, new float[RoundRig.PARAMETERS]);

        assertThat(rig.compliance.charged).singleElement().satisfies(c -> {
            assertThat(c.release().roundId()).isEqualTo(round.roundId());
            assertThat(c.release().siteId()).isEqualTo("a");
            assertThat(c.charge().unit()).isEqualTo(Unit.SITE);
        });
    }

    @Test
    void anUpdateTheBudgetCannotPayForIsRefusedAtItsHeaderAndDropsTheSite() {
        runningRound(RoundRig.siteLevel());
        rig.compliance.updateRefusal = "site a would pass ε 100";
        var m = header("a", round);

        assertThat(admitted("a", m)).isEqualTo(Reason.OVER_BUDGET);
        rig.intake.refused(m, "a", new UploadRejection(Reason.OVER_BUDGET, "over"));
        assertThat(rig.cluster.toDriver)
                .extracting(e -> ((LeaderInbox.SiteDropped) e).siteId())
                .containsExactly("a");
        assertThat(rig.compliance.charged).extracting(ReleaseCharge::release).isEmpty();
    }

    @Test
    void theDriverCountsANoticeOnlyWhileItsReplicaIsAliveAndHoldsTheClaim() {
        runningRound(null);
        rig.upload("a", round, new float[RoundRig.PARAMETERS]);
        var notice = new LeaderInbox.UploadHeld(round.roundId(), "a", RoundRig.ME);

        assertThat(rig.intake.counted(new LeaderInbox.UploadHeld(round.roundId(), "a", "replica-b")))
                .isEmpty();
        assertThat(rig.intake.counted(notice)).hasValueSatisfying(t -> {
            assertThat(t.state().reported()).containsExactly("a");
            assertThat(t.decision()).isEqualTo(RoundDecision.WAIT);
        });
        rig.cluster.alive.remove(RoundRig.ME);
        assertThat(rig.intake.counted(notice))
                .as("its holder left: the loss is handled on its own")
                .isEmpty();
    }
}
