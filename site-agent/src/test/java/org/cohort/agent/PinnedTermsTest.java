package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.cohort.protocol.StudyTerms;
import org.cohort.protocol.v1.PrivacyPlan;
import org.cohort.protocol.v1.RoundTask;
import org.cohort.protocol.v1.SecAggPlan;
import org.cohort.protocol.v1.TaskKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PinnedTermsTest {
    private static final PrivacyPlan PATIENT = TestPlans.patient(1.0);
    private static final String PINNED = StudyTerms.of(task(PATIENT)).digest();

    @TempDir
    Path work;

    private static RoundTask task(PrivacyPlan plan) {
        return RoundTask.newBuilder()
                .setStudyId("st-1")
                .setKind(TaskKind.TRAIN)
                .setPrivacy(plan)
                .build();
    }

    @Test
    void runsATaskWithThePinnedTermsAndKeepsThemForLaterMessages() throws Exception {
        var pinned = new PinnedTerms(work);
        assertThat(pinned.refusal(task(PATIENT), PINNED)).isEmpty();
        assertThat(Files.readString(work.resolve("terms/st-1.json")).strip())
                .isEqualTo(StudyTerms.of(task(PATIENT)).canonicalJson());
    }

    @Test
    void refusesATaskThatSwitchesDpOffAndNamesTheTermsThatChanged() {
        var pinned = new PinnedTerms(work);
        var off = PrivacyPlan.newBuilder()
                .setMode(org.cohort.protocol.v1.PrivacyMode.PRIVACY_MODE_NONE)
                .build();
        // Before any task matched, the site can only show the task's terms beside the pinned digest.
        assertThat(pinned.refusal(task(off), PINNED))
                .hasValueSatisfying(why -> assertThat(why)
                        .contains("not those this site's admin pinned for study st-1 (study.st-1.terms=" + PINNED + ")")
                        .contains("\"mode\":\"none\"")
                        .contains("nothing was trained")
                        .contains("GET /api/studies/st-1/terms"));
        assertThat(pinned.refusal(task(PATIENT), PINNED)).isEmpty();
        assertThat(pinned.refusal(task(off), PINNED))
                .hasValueSatisfying(why -> assertThat(why)
                        .contains("mode: pinned \"patient\", now \"none\"")
                        .contains("noiseMultiplier: pinned 1.5, now 0.0"));
        assertThat(pinned.refusal(
                        task(PATIENT.toBuilder()
                                .setMode(org.cohort.protocol.v1.PrivacyMode.PRIVACY_MODE_SITE)
                                .build()),
                        PINNED))
                .isPresent();
        assertThat(pinned.refusal(task(PATIENT.toBuilder().setEpsilonBudget(8).build()), PINNED))
                .hasValueSatisfying(why -> assertThat(why).contains("epsilonBudget: pinned 1.0, now 8.0"));
    }

    @Test
    void refusesATaskWhoseHeldOutSetWasAimedAtChosenPatients() {
        var pinned = new PinnedTerms(work);
        var aimed = task(PATIENT).toBuilder()
                .setDataset(org.cohort.protocol.v1.DatasetSpec.newBuilder()
                        .setIdColumn("patient_id")
                        .addTestIds("p-0017"))
                .build();
        assertThat(pinned.refusal(task(PATIENT), PINNED)).isEmpty();
        assertThat(pinned.refusal(aimed, PINNED))
                .hasValueSatisfying(why ->
                        assertThat(why).contains("dataset: pinned \"sha256").contains("nothing was trained"));
    }

    @Test
    void aSecureStudysTrainingTaskMustCarryItsSecureAggregationPlan() {
        var secure = PATIENT.toBuilder().setSecureAggregation(true).build();
        String digest = StudyTerms.of(task(secure)).digest();
        var pinned = new PinnedTerms(work);
        assertThat(pinned.refusal(task(secure), digest))
                .hasValueSatisfying(why -> assertThat(why)
                        .contains("require secure aggregation, but this training task has no secure-aggregation plan"));
        assertThat(pinned.refusal(
                        task(secure).toBuilder()
                                .setSecagg(SecAggPlan.getDefaultInstance())
                                .build(),
                        digest))
                .isEmpty();
        assertThat(pinned.refusal(
                        task(secure).toBuilder().setKind(TaskKind.EVALUATE).build(), digest))
                .as("evaluation sends no update to aggregate")
                .isEmpty();
        assertThat(pinned.refusal(
                        task(PATIENT).toBuilder()
                                .setSecagg(SecAggPlan.getDefaultInstance())
                                .build(),
                        PINNED))
                .isPresent();
    }
}
