package org.cohort.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.cohort.coordinator.study.StrategyOptions;
import org.cohort.coordinator.study.StudySpec;
import org.cohort.protocol.v1.CoordinatorMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FedBuff through the round engine, without network: a buffered round publishes on its K-th report,
 * the next one opens at once and carries in the task of the site still training (sending it no
 * other), and that site's update, signed for the earlier round, counts there at s(τ) = 1/√(1 + τ),
 * charged as a release of the round that sent the task.
 */
class FedBuffRoundTest {
    @TempDir
    Path dir;

    private RoundRig rig;

    private RoundState running(StudySpec.Privacy privacy, int maxStaleness) {
        rig = new RoundRig(dir);
        var base = RoundRig.spec(3, 2, 1, privacy, null);
        var spec = new StudySpec(
                        "test",
                        null,
                        null,
                        base.dataset(),
                        3,
                        2,
                        60,
                        1,
                        "fedbuff",
                        privacy,
                        null,
                        null,
                        StrategyOptions.NONE.withBuffer(1, maxStaleness))
                .withDefaults();
        rig.study("st-1", spec);
        rig.connect("st-1", "a", "b");
        rig.orchestrator.start();
        rig.orchestrator.tick();
        return rig.active("st-1");
    }

    @Test
    void theSlowSitesUpdateOfTheFirstRoundCountsInTheSecondAtOneOverRootTwo() {
        RoundState first = running(null, 10);
        assertThat(first.bufferSize()).isEqualTo(1);
        assertThat(tasks("b")).hasSize(1);

        rig.upload("a", first, 1, 1, 1, 1, 1, 1, 1, 1);
        rig.cluster.deliver();
        // Published from a alone; the next buffer opened at once, carrying b's task of version 1 in.
        assertThat(rig.registry.readParameters(rig.registry.find("st-1", 2).orElseThrow()))
                .containsOnly(1f);
        RoundState second = rig.active("st-1");
        assertThat(second.baseVersion()).isEqualTo(2);
        assertThat(second.carried()).containsOnlyKeys("b");
        assertThat(second.carried().get("b").roundId()).isEqualTo(first.roundId());
        assertThat(tasks("a")).hasSize(2);
        assertThat(tasks("b"))
                .as("b trains one task at a time: it is sent no other")
                .hasSize(1);

        rig.upload("b", first, 2, 2, 2, 2, -2, -2, -2, -2); // signed for the first round, from version 1
        rig.cluster.deliver();
        float[] third = rig.registry.readParameters(rig.registry.find("st-1", 3).orElseThrow());
        float step = (float) (2 / Math.sqrt(2)); // τ = 2 − 1 = 1: s = 1/√2; K = 1, so Δ̄ = s·Δ
        for (int i = 0; i < 8; i++) {
            assertThat(third[i]).isCloseTo(i < 4 ? 1 + step : 1 - step, org.assertj.core.data.Offset.offset(1e-6f));
        }
        assertThat(rig.history.outcomes(second.roundId(), "b")).containsExactly("ACCEPTED");
        assertThat(rig.history.outcomes(first.roundId(), "b"))
                .as("nothing on the round that sent it")
                .isEmpty();
    }

    @Test
    void aCarriedUpdateIsChargedAsAReleaseOfTheRoundThatSentItsTask() {
        RoundState first = running(RoundRig.siteLevel(), 10);
        rig.upload("a", first, new float[RoundRig.PARAMETERS]);
        rig.cluster.deliver();
        rig.upload("b", first, new float[RoundRig.PARAMETERS]);
        rig.cluster.deliver();
        assertThat(rig.compliance.charged)
                .extracting(c -> c.release().siteId() + "@" + c.release().roundId() + "#"
                        + c.release().roundNumber())
                .containsExactly("a@" + first.roundId() + "#1", "b@" + first.roundId() + "#1");
        assertThat(rig.registry.find("st-1", 3)).isPresent();
    }

    @Test
    void aTaskTooFarBehindIsNotCarriedAndItsSiteGetsAFreshOne() {
        RoundState first = running(null, 0);
        rig.upload("a", first, new float[RoundRig.PARAMETERS]);
        rig.cluster.deliver();
        RoundState second = rig.active("st-1");
        assertThat(second.carried())
                .as("maxStaleness 0: b's task of version 1 may not count for version 2")
                .isEmpty();
        assertThat(tasks("b")).hasSize(2);
        assertThat(rig.cluster.to("b", CoordinatorMessage.KindCase.CANCEL_TASK))
                .singleElement()
                .satisfies(m -> assertThat(m.getCancelTask().getReason())
                        .contains("1 versions behind version 2, more than strategyOptions.maxStaleness = 0"));
        assertThat(rig.history.outcomes(first.roundId(), "b")).containsExactly("STALE");
    }

    @Test
    void anUpdateTooLateForItsBufferDropsItsSiteFromTheRoundThatCarriesItSoItGetsAFreshTask() {
        RoundState first = running(null, 10);
        rig.upload("a", first, new float[RoundRig.PARAMETERS]);
        rig.cluster.deliver();
        RoundState second = rig.active("st-1");
        assertThat(second.carried()).containsOnlyKeys("b");

        // b's update was refused while its buffer was being published (the upload service tells the intake).
        var m = rig.manifest(
                "b", first, new byte[4 * RoundRig.PARAMETERS], org.cohort.protocol.v1.TensorEncoding.FLOAT32_LE);
        rig.intake.refused(
                m,
                "b",
                new UploadRejection(
                        UploadRejection.Reason.ROUND_CLOSED, "round " + first.roundId() + " is AGGREGATING"));
        rig.cluster.deliver();
        assertThat(rig.history.outcomes(second.roundId(), "b")).containsExactly("LATE");
        assertThat(rig.active("st-1").outstanding())
                .as("a is still training; b is not waited for")
                .containsOnly("a");

        rig.upload("a", rig.active("st-1"), new float[RoundRig.PARAMETERS]);
        rig.cluster.deliver();
        assertThat(rig.active("st-1").carried())
                .as("b is not carried: it was sent a fresh task")
                .isEmpty();
        assertThat(tasks("b")).hasSize(2);
    }

    private List<CoordinatorMessage> tasks(String site) {
        return rig.cluster.to(site, CoordinatorMessage.KindCase.ROUND_TASK);
    }
}
