package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A lean agent (no DL4J, so no in-process trainer) writes a configuration that trains through the bundled
 * PyTorch worker: {@code init} turns the external trainer on and points it at {@code cohort.home}'s worker,
 * so the hospital's three actions stay three.
 */
class LeanAgentInitTest {

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
}
