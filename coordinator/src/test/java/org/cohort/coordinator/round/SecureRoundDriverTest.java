package org.cohort.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.cohort.coordinator.cluster.LeaderInbox;
import org.cohort.coordinator.study.StudySpec;
import org.cohort.coordinator.study.StudyStatus;
import org.cohort.privacy.accounting.Unit;
import org.cohort.protocol.v1.CoordinatorMessage;
import org.cohort.protocol.v1.SecAggShares;
import org.cohort.protocol.v1.SecAggStep;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A secure round of a site-level DP study, driven stage by stage by real SecAgg+ clients: the
 * stages advance as the sites answer or at their deadlines, the sum is charged only when it is
 * about to be unmasked, and an attempt abandoned before that charges nothing.
 */
class SecureRoundDriverTest {
    @TempDir
    Path dir;

    private RoundRig rig;
    private RoundState round;
    private SecureSites sites;

    private void secureRound(int minSites, String... siteIds) {
        rig = new RoundRig(dir);
        rig.study(
                "st-1",
                RoundRig.spec(
                        2,
                        minSites,
                        1,
                        RoundRig.siteLevel(),
                        new StudySpec.SecureAggregation(true, null, null, 4.0, 20)));
        rig.connect("st-1", siteIds);
        rig.orchestrator.start();
        rig.orchestrator.tick();
        round = rig.active("st-1");
        sites = new SecureSites(rig, round);
    }

    private int secAggMessages(String site) {
        return rig.cluster.to(site, CoordinatorMessage.KindCase.SECAGG).size();
    }

    @Test
    void theStagesAdvanceAsTheSitesAnswerAndOnlyTheUnmaskedSumIsChargedAndPublished() {
        secureRound(3, "a", "b", "c");
        assertThat(round.secure()).isTrue();
        assertThat(rig.secureRounds.drives(round.roundId())).isTrue();

        sites.advertiseKeys("a", "b");
        assertThat(secAggMessages("a")).as("the key stage waits for every site").isZero();
        sites.advertiseKeys("c");
        sites.shareKeys("a", "b", "c");
        assertThat(rig.store.maskedInputRoster(round.roundId())).containsOnlyKeys("a", "b", "c");

        sites.sendMaskedInputs("a", "b", "c");
        RoundState aggregating = rig.store.round(round.roundId());
        assertThat(aggregating.phase()).isEqualTo(RoundPhase.AGGREGATING);
        assertThat(aggregating.reported()).containsExactlyInAnyOrder("a", "b", "c");
        assertThat(rig.store.maskedInputRoster(round.roundId()))
                .as("no replica takes another masked input")
                .isNull();
        assertThat(rig.compliance.charged)
                .as("masked inputs cost nothing until their sum is unmasked")
                .isEmpty();

        sites.confirm("a", "b", "c");
        sites.unmask("a", "b", "c");

        assertThat(rig.registry.find("st-1", 2)).as("published").isPresent();
        assertThat(rig.compliance.charged)
                .extracting(c -> c.release().siteId())
                .containsExactlyInAnyOrder("a", "b", "c");
        assertThat(rig.compliance.charged)
                .allSatisfy(c -> assertThat(c.charge().unit()).isEqualTo(Unit.SITE));
        assertThat(rig.compliance.recorded)
                .singleElement()
                .satisfies(r -> assertThat(r.parameters()).containsKey("distributedNoise"));
        assertThat(rig.history.status(round.roundId())).isEqualTo("COMPLETED");
        assertThat(rig.studies.get("st-1").roundsDone()).isEqualTo(1);
        assertThat(rig.secureRounds.drives(round.roundId())).isFalse();
    }

    @Test
    void anAttemptAbandonedBeforeItsSumIsUnmaskedChargesNothing() {
        secureRound(3, "a", "b", "c");
        sites.advertiseKeys("a", "b", "c");
        sites.shareKeys("a", "b", "c");
        sites.sendMaskedInputs("a", "b", "c");
        sites.confirm("a", "b");

        rig.studies.changeStatus(
                "st-1", Set.of(StudyStatus.RUNNING), StudyStatus.STOPPED, "stopped", rig.clock.instant());
        rig.orchestrator.tick();

        assertThat(rig.history.status(round.roundId())).isEqualTo("FAILED");
        assertThat(rig.compliance.charged).isEmpty();
        assertThat(rig.compliance.recorded).isEmpty();
        assertThat(rig.registry.find("st-1", 2)).isEmpty();
        assertThat(rig.secureRounds.drives(round.roundId())).isFalse();
        assertThat(rig.replicas.of(RoundRig.ME).rounds())
                .as("the masked partial sums are gone")
                .isEmpty();
    }

    @Test
    void aSiteSilentInTheKeyExchangeIsDroppedAtTheStageDeadlineAndTheOthersGoOn() {
        secureRound(3, "a", "b", "c", "d");
        sites.advertiseKeys("a", "b", "c");
        rig.orchestrator.tick();
        assertThat(secAggMessages("a"))
                .as("before the deadline the stage waits")
                .isZero();

        rig.clock.advance(Duration.ofSeconds(61));
        rig.orchestrator.tick();

        assertThat(rig.history.outcomes(round.roundId(), "d")).containsExactly("DROPPED");
        assertThat(rig.store.round(round.roundId()).dropped().get("d")).contains("sent no keys");
        assertThat(sites.lastStep("a", SecAggStep.KindCase.ROSTER)).isNotNull();
        assertThat(secAggMessages("d")).isZero();
        assertThat(rig.store.round(round.roundId()).isOpen()).isTrue();
    }

    @Test
    void aSiteThatFailsDuringTheKeyExchangeDoesNotHoldUpTheOthers() {
        secureRound(3, "a", "b", "c", "d");
        sites.advertiseKeys("a", "b", "c");

        rig.orchestrator.onLeaderEvent(new LeaderInbox.SiteDropped(round.roundId(), "d", "FAILED", "out of memory"));

        assertThat(rig.history.outcomes(round.roundId(), "d")).containsExactly("FAILED");
        assertThat(sites.lastStep("b", SecAggStep.KindCase.ROSTER)).isNotNull();
    }

    @Test
    void aMessageOfAnotherStageIsIgnored() {
        secureRound(3, "a", "b", "c");
        rig.orchestrator.onLeaderEvent(new LeaderInbox.SecAggMessage(
                "a",
                SecAggStep.newBuilder()
                        .setRoundId(round.roundId())
                        .setShares(SecAggShares.getDefaultInstance())
                        .build()
                        .toByteArray()));
        rig.orchestrator.onLeaderEvent(new LeaderInbox.SecAggMessage("a", new byte[] {1, 2, 3}));

        sites.advertiseKeys("a", "b", "c");
        assertThat(sites.lastStep("a", SecAggStep.KindCase.ROSTER))
                .as("still in the key stage until now")
                .isNotNull();
    }
}
