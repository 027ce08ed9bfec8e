package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.cohort.agent.LocalLearner;
import org.cohort.agent.SiteAgent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * An agent that stops in the middle of local training (a hospital reboots its server) and is
 * started again with the same work directory keeps its identity, reconnects, receives the
 * still-open round's task again and completes it: the round does not wait for its deadline
 * and does not need a retry.
 */
class AgentRestartIntegrationTest {

    @Test
    void agentRestartedMidTrainingResumesTheOpenRound(@TempDir Path dir) throws Exception {
        try (var fed = new TestFederation(dir, 2)) {
            String studyId = fed.createStudy(2, 2, 120);
            fed.startAgent(0, studyId, null);
            var training = new CountDownLatch(1);
            LocalLearner hangs = (task, config, global) -> {
                training.countDown();
                try {
                    Thread.sleep(600_000); // until the agent is stopped
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new IllegalStateException("agent stopped during training");
            };
            SiteAgent first = fed.startAgent(1, studyId, hangs);
            fed.awaitConnected(2);
            fed.api.studies().start(studyId);
            training.await();
            String siteId = first.siteId();
            first.close();

            SiteAgent again = fed.restartAgent(1, studyId, null);
            assertThat(again.siteId()).isEqualTo(siteId);
            JsonNode study = fed.awaitStudyEnd(studyId, Duration.ofMinutes(2));
            assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("COMPLETED");
            JsonNode firstRound = fed.api.studies().rounds(studyId).get(0);
            assertThat(firstRound.get("roundNumber").asInt()).isEqualTo(1);
            assertThat(firstRound.get("attempt").asInt()).isEqualTo(1);
            assertThat(firstRound.get("status").asString()).isEqualTo("COMPLETED");
            assertThat(firstRound.get("reported").size()).isEqualTo(2);
        }
    }
}
