package org.cohort.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.cohort.coordinator.study.StudySpec;
import org.cohort.coordinator.study.StudyStatus;
import org.cohort.protocol.v1.CoordinatorMessage;
import org.cohort.protocol.v1.RoundTask;
import org.cohort.protocol.v1.TaskKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which sites a round attempt selects, what each is sent, and when nothing is sent at all. */
class RoundTasksTest {
    @TempDir
    Path dir;

    private RoundRig rig;

    private RoundRig rig(StudySpec spec) {
        rig = new RoundRig(dir);
        rig.study("st-1", spec);
        return rig;
    }

    private RoundTask lastTask(String site) {
        var tasks = rig.cluster.to(site, CoordinatorMessage.KindCase.ROUND_TASK);
        return tasks.isEmpty() ? null : tasks.get(tasks.size() - 1).getRoundTask();
    }

    @Test
    void withTooFewSitesNothingIsSentAndTheStudySaysWhatItWaitsFor() {
        rig(RoundRig.spec(2, 2, 1, null, null)).connect("st-1", "a");

        rig.tasks.start(rig.studies.get("st-1"));

        assertThat(rig.active("st-1")).isNull();
        assertThat(rig.cluster.sent).isEmpty();
        assertThat(rig.studies.get("st-1").statusDetail())
                .isEqualTo("waiting for sites: 1 connected and accepting," + " 2 needed");
    }

    @Test
    void selectsEveryConnectedUnrevokedSiteWithinTheStudysLimitAndSendsEachItsTask() {
        rig(RoundRig.spec(2, 2, 1, null, null)).connect("st-1", "a", "b", "c", "d");
        rig.revoke("c");
        rig.cluster.connected.get("st-1").put("d", 2_000_000L); // above the study's maxSiteExamples

        rig.tasks.start(rig.studies.get("st-1"));

        RoundState round = rig.active("st-1");
        assertThat(round.selected()).containsExactlyInAnyOrder("a", "b");
        assertThat(round.declaredExamples()).containsEntry("a", RoundRig.DECLARED);
        assertThat(round.kind()).isEqualTo(RoundKind.TRAIN);
        assertThat(round.attempt()).isEqualTo(1);
        assertThat(rig.history.status(round.roundId())).isEqualTo("COLLECTING");
        for (String site : new String[] {"a", "b"}) {
            RoundTask task = lastTask(site);
            assertThat(task.getRoundId()).isEqualTo(round.roundId());
            assertThat(task.getNonce().toByteArray()).isEqualTo(round.nonce());
            assertThat(task.getKind()).isEqualTo(TaskKind.TRAIN);
            assertThat(task.hasSecagg()).isFalse();
        }
        assertThat(lastTask("c")).isNull();
        assertThat(rig.studies.get("st-1").statusDetail()).isEqualTo("round 1 running with 2 sites");
    }

    @Test
    void aSecureRoundSendsEachSiteItsSecAggPlan() {
        rig(RoundRig.spec(2, 3, 1, null, new StudySpec.SecureAggregation(true, null, null, 4.0, 20)))
                .connect("st-1", "a", "b", "c");

        rig.tasks.start(rig.studies.get("st-1"));

        RoundState round = rig.active("st-1");
        assertThat(round.secure()).isTrue();
        assertThat(rig.secureRounds.drives(round.roundId())).isTrue();
        assertThat(java.util.stream.Stream.of("a", "b", "c")
                        .map(s -> lastTask(s).getSecagg().getClientIndex()))
                .containsExactlyInAnyOrder(0, 1, 2);
        assertThat(lastTask("a").getSecagg().getSigningKeysByIndexCount()).isEqualTo(3);
    }

    @Test
    void aRoundTheBudgetCannotPayForStopsTheStudyBeforeAnythingIsSent() {
        rig(RoundRig.spec(2, 2, 1, RoundRig.siteLevel(), null)).connect("st-1", "a", "b");
        rig.compliance.roundRefusal = "site a would pass ε 100";

        rig.tasks.start(rig.studies.get("st-1"));

        assertThat(rig.cluster.sent).isEmpty();
        assertThat(rig.studies.get("st-1").status()).isEqualTo(StudyStatus.STOPPED);
        assertThat(rig.audit.entries).containsExactly("STOPPED st-1: site a would pass ε 100");
    }

    @Test
    void afterTheLastTrainingRoundTheSitesAreAskedOnlyToEvaluate() {
        rig(RoundRig.spec(1, 2, 1, null, null)).connect("st-1", "a");
        var study = rig.studies.get("st-1");
        rig.studies.updateProgress("st-1", StudyStatus.RUNNING, "round 1 done", 1, 1, RoundRig.T0);

        rig.tasks.start(rig.studies.get("st-1"));

        RoundState round = rig.active("st-1");
        assertThat(round.kind()).isEqualTo(RoundKind.EVALUATE);
        assertThat(round.roundNumber()).isEqualTo(study.spec().rounds() + 1);
        assertThat(round.minSites()).as("one site is enough to evaluate").isEqualTo(1);
        assertThat(lastTask("a").getKind()).isEqualTo(TaskKind.EVALUATE);
    }

    @Test
    void aReconnectedSiteGetsItsTaskAgainOnlyWhileTheRoundExpectsIt() {
        rig(RoundRig.spec(2, 2, 1, null, null)).connect("st-1", "a", "b");
        rig.tasks.start(rig.studies.get("st-1"));
        RoundState round = rig.active("st-1");
        rig.store.save(RoundStateMachine.onUploadAccepted(round, "a").state());
        rig.cluster.sent.clear();

        rig.tasks.resend("a");
        rig.tasks.resend("b");

        assertThat(lastTask("a")).isNull();
        assertThat(lastTask("b").getRoundId()).isEqualTo(round.roundId());
    }
}
