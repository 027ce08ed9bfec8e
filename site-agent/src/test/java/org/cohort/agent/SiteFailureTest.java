package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import org.cohort.learning.data.HeartDisease;
import org.cohort.learning.data.PreprocessingPolicy;
import org.cohort.protocol.v1.DatasetSpec;
import org.cohort.protocol.v1.FeatureColumnSpec;
import org.cohort.protocol.v1.PrivacyPlan;
import org.cohort.protocol.v1.RoundTask;
import org.cohort.protocol.v1.TaskKind;
import org.cohort.protocol.v1.TaskOutcome;
import org.cohort.protocol.v1.TaskStatus;
import org.cohort.protocol.v1.TrainingPlan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What leaves the site when a task fails: codes and the study's column names, never a cell value. */
class SiteFailureTest {

    @TempDir
    Path dir;

    @Test
    void aHeaderlessHeartDiseaseFileWithUnmatchedColumnsSendsNoPatientValue() throws Exception {
        Optional<Path> data = HeartDisease.locateDataDirectory();
        assumeTrue(data.isPresent(), "Heart Disease data not found (set cohort.heart.data)");
        Path cleveland = HeartDisease.file(data.get(), "cleveland");
        // The study says "csv with a header", the file has none: its first patient is read as the header.
        RoundTask task = task(csvDataset("age", "trestbps", "chol"), "none");
        var learner = new Dl4jLearner(cleveland);

        Throwable thrown = catchThrowable(() -> learner.run(task, "{}", new float[0]));
        SiteFailure failure = SiteFailure.of(thrown, task);
        TaskStatus sent = failure.toStatus(task.getRoundId());

        String firstPatient = Files.readAllLines(cleveland).getFirst(); // 63.0,1.0,1.0,145.0,233.0,...
        // What the agent used to send ("local failure: " + the message) quoted the whole row:
        assertThat(thrown.getMessage()).contains(String.join(", ", firstPatient.split(",")));
        for (String cell : firstPatient.split(",")) {
            assertThat(withoutReference(failure))
                    .as("the sent report quotes the cell %s", cell)
                    .doesNotContain(cell);
        }
        assertThat(sent.getOutcome()).isEqualTo(TaskOutcome.FAILED);
        assertThat(sent.getDetail()).startsWith("DATA_MISSING_COLUMNS").contains("age, trestbps, chol", "num");
        // The site admin's log keeps the full message: which file, what was missing, what to do.
        assertThat(thrown.getMessage())
                .contains(
                        cleveland.toString(),
                        "has no column age",
                        "if the file has no header row, its first row was read as one");
        // ...under the reference the report carries, so the admin can find it.
        assertThat(sent.getDetail()).endsWith("under reference " + failure.reference());
    }

    @Test
    void aBadCellIsReportedByItsColumnNotItsValue() throws Exception {
        Path csv = Files.writeString(dir.resolve("site.csv"), "age,trestbps,chol,num\n63,145,233,0\n67,160,x286mg,2\n");
        RoundTask task = task(csvDataset("age", "trestbps", "chol"), "none");

        Throwable thrown = catchThrowable(() -> new Dl4jLearner(csv).run(task, "{}", new float[0]));
        String detail = withoutReference(SiteFailure.of(thrown, task));

        assertThat(thrown.getMessage()).contains("x286mg");
        assertThat(detail)
                .startsWith("DATA_NOT_A_NUMBER")
                .contains("column chol")
                .doesNotContain("x286mg", "160", "67");
    }

    @Test
    void anUnexpectedExceptionSendsOnlyItsKindAndAReference() {
        RoundTask task = task(csvDataset("age"), "none");
        var failure = SiteFailure.of(new IllegalStateException("patient 4711 had cholesterol 564"), task);

        assertThat(failure.detail())
                .startsWith("LOCAL_FAILURE: an unexpected IllegalStateException")
                .contains(failure.reference());
        assertThat(withoutReference(failure)).doesNotContain("4711", "564", "cholesterol");
        assertThat(withoutReference(SiteFailure.of(
                        Status.INTERNAL.withDescription("chol 564").asRuntimeException(), task)))
                .startsWith("COORDINATOR_INTERNAL")
                .doesNotContain("564");
    }

    @Test
    void aDpTaskThatWouldStandardiseFromTheSitesRowsIsRefusedBeforeItIsAccepted() throws Exception {
        Path csv = Files.writeString(dir.resolve("site.csv"), "age,chol,num\n63,233,0\n67,286,2\n");
        var dataset = DatasetSpec.newBuilder(csvDataset("age"))
                .addFeatures(FeatureColumnSpec.newBuilder().setName("chol"))
                .build();
        RoundTask patient = task(dataset, "patient");
        var learner = new Dl4jLearner(csv);

        Throwable thrown = catchThrowable(() -> learner.plannedCharge(patient));
        var failure = SiteFailure.of(thrown, patient);

        assertThat(thrown).isInstanceOf(PreprocessingPolicy.DataDependentPreprocessingException.class);
        assertThat(failure.outcome()).isEqualTo(TaskOutcome.REFUSED);
        assertThat(failure.detail())
                .startsWith("DP_PREPROCESSING_FROM_DATA")
                .contains("chol", "\"center\"")
                .doesNotContain("233", "286");
        assertThatThrownBy(() -> learner.plannedCharge(task(dataset, "site")))
                .isInstanceOf(PreprocessingPolicy.DataDependentPreprocessingException.class);
        // Without DP the same study may standardise from the site's rows.
        assertThat(learner.data(dataset).train().size()
                        + learner.data(dataset).test().size())
                .isEqualTo(2);
    }

    @Test
    void badSurvivalOutcomesAreRefusedNamingTheColumnNotTheValue() throws Exception {
        var survival = csvDataset("age").toBuilder()
                .setLabelColumn("E")
                .setTask("survival")
                .setTimeColumn("T")
                .addCutPoints(365)
                .build();
        RoundTask task = task(survival, "none");
        Path negative = Files.writeString(dir.resolve("negative.csv"), "age,E,T\n63,1,100\n67,0,-731\n");
        Path notAnEvent = Files.writeString(dir.resolve("event.csv"), "age,E,T\n63,1,100\n67,2,731\n");
        Path noTime = Files.writeString(dir.resolve("notime.csv"), "age,E\n63,1\n");

        Throwable thrown = catchThrowable(() -> new Dl4jLearner(negative).run(task, "{}", new float[0]));
        assertThat(thrown.getMessage()).contains("negative time");
        assertThat(withoutReference(SiteFailure.of(thrown, task)))
                .startsWith("DATA_BAD_LABEL")
                .contains("column T")
                .doesNotContain("731");
        thrown = catchThrowable(() -> new Dl4jLearner(notAnEvent).run(task, "{}", new float[0]));
        assertThat(thrown.getMessage()).contains("not 0 (censored) or 1");
        assertThat(withoutReference(SiteFailure.of(thrown, task)))
                .startsWith("DATA_BAD_LABEL")
                .contains("column E");
        thrown = catchThrowable(() -> new Dl4jLearner(noTime).run(task, "{}", new float[0]));
        assertThat(withoutReference(SiteFailure.of(thrown, task)))
                .startsWith("DATA_MISSING_COLUMNS")
                .contains("column T");
    }

    /** The report without its random reference, whose hex digits could match a short cell value by chance. */
    private static String withoutReference(SiteFailure failure) {
        return failure.reference().isEmpty()
                ? failure.detail()
                : failure.detail().replace(failure.reference(), "");
    }

    private static DatasetSpec csvDataset(String... declaredColumns) {
        var b = DatasetSpec.newBuilder()
                .setFormat("csv")
                .setLabelColumn("num")
                .setPositiveAbove(0)
                .setTestFraction(0.25)
                .setSplitSeed(1);
        Arrays.stream(declaredColumns)
                .forEach(c -> b.addFeatures(FeatureColumnSpec.newBuilder()
                        .setName(c)
                        .setHasScaling(true)
                        .setCenter(100)
                        .setScale(50)));
        return b.build();
    }

    private static RoundTask task(DatasetSpec dataset, String privacyMode) {
        return RoundTask.newBuilder()
                .setRoundId("round-1")
                .setStudyId("st-1")
                .setRoundNumber(1)
                .setKind(TaskKind.TRAIN)
                .setDataset(dataset)
                .setPlan(TrainingPlan.newBuilder()
                        .setLocalEpochs(1)
                        .setBatchSize(8)
                        .setOptimizer("sgd")
                        .setLearningRate(0.1)
                        .setSeed(1))
                .setPrivacy(PrivacyPlan.newBuilder()
                        .setMode(org.cohort.protocol.PrivacyWords.mode(privacyMode))
                        .setClipNorm(1)
                        .setNoiseMultiplier(1)
                        .setDelta(1e-5)
                        .setEpsilonBudget(1)
                        .setExpectedBatchSize(8)
                        .setStudyRounds(1))
                .build();
    }
}
