package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A lean agent (no DL4J, so no in-process trainer, and no DL4J model it could read): {@code init} turns the
 * external trainer on at {@code cohort.home}'s worker, so the hospital's three actions stay three; a study
 * whose model is a DL4J network is refused at {@code studies accept} (nothing written) and, should a task
 * come, before training (nothing spent), each saying what to run instead; {@code check} says there is no
 * ND4J backend to load, which is not a failure.
 */
class LeanAgentTest {
    /** A DL4J configuration as a study carries it (its shape does not matter: the lean agent never reads it). */
    private static final String DL4J_MODEL = "{\"confs\": [], \"backpropType\": \"Standard\"}";

    @Test
    void initTurnsTheExternalTrainerOnAtTheBundledWorker(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("agent.properties");
        String previous = System.getProperty("cohort.home");
        System.setProperty("cohort.home", dir.toString());
        try {
            assertThat(AgentCommand.execute("init", "--out", file.toString())).isZero();
        } finally {
            if (previous == null) {
                System.clearProperty("cohort.home");
            } else {
                System.setProperty("cohort.home", previous);
            }
        }
        String text = Files.readString(file);
        assertThat(text)
                .contains("\ntrainer.kind=external\n")
                .contains("\ntrainer.command=python3 "
                        + dir.resolve("trainers").resolve("pytorch").resolve("cohort_torch_worker.py") + "\n")
                .doesNotContain("#trainer.kind=external");
        assertThat(AgentConfig.load(file).trainerCommand())
                .containsExactly(
                        "python3",
                        dir.resolve("trainers")
                                .resolve("pytorch")
                                .resolve("cohort_torch_worker.py")
                                .toString());
    }

    @Test
    void aTaskOfAStudyWithADl4jModelIsRefusedBeforeAnythingIsSpent(@TempDir Path dir) throws Exception {
        Path data = Files.writeString(dir.resolve("site.csv"), "a,b\n1,2\n");
        var learner = new Dl4jLearner(
                data,
                org.cohort.learning.data.SplitKey.of(new byte[32]),
                new ExternalTrainer(
                        java.util.List.of("python3", "never-started.py"),
                        dir.resolve("trainer"),
                        java.time.Duration.ofSeconds(5)));
        var task = org.cohort.protocol.v1.RoundTask.newBuilder()
                .setStudyId("st-1")
                .setKind(org.cohort.protocol.v1.TaskKind.TRAIN)
                .build();
        assertThat(learner.modelProblem(task, DL4J_MODEL, new float[3]))
                .hasValueSatisfying(reason -> assertThat(reason)
                        .contains("lean build without Deeplearning4j")
                        .contains("name a PyTorch module")
                        .contains("run the full agent")
                        .endsWith("refused before training, nothing spent")
                        .doesNotContain(dir.toString()));
    }

    @Test
    void aStudyWithADl4jModelCannotBeAcceptedAndItsReviewSaysWhy(@TempDir Path dir) throws Exception {
        var offer = org.cohort.protocol.v1.StudyOffer.newBuilder()
                .setStudyId("st-2")
                .setModelConfigJson(DL4J_MODEL)
                .build();
        assertThat(StudyReview.modelSummary(DL4J_MODEL))
                .singleElement()
                .asString()
                .contains("a DL4J network", "lean build without Deeplearning4j", "refuses to accept");
        Path config = Files.writeString(dir.resolve("agent.properties"), "site.name=kept\n");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> StudyReview.accept(config, offer, 100, StudyReview.digest(offer)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("model is a DL4J network")
                .hasMessageContaining("Nothing was written")
                .hasMessageContaining("full agent");
        assertThat(Files.readString(config)).isEqualTo("site.name=kept\n");
    }

    @Test
    void checkSaysThereIsNoNd4jBackendToLoadWithoutFailing() {
        var verdict = AgentCheck.backend();
        assertThat(verdict.ok()).isTrue();
        assertThat(verdict.detail()).contains("lean build without Deeplearning4j", "external trainer");
    }
}
