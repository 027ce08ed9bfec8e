package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.cohort.agent.Dl4jLearner;
import org.cohort.agent.LocalLearner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Local training may take hours. A site that trains for many heartbeat intervals keeps its
 * place in the round: heartbeats flow from the session thread while the task runs, and only
 * the round's deadline can drop a site.
 */
class SlowSiteIntegrationTest {

    @Test
    void siteTrainingForManyHeartbeatIntervalsIsNeitherStaleNorDropped(@TempDir Path dir) throws Exception {
        // Heartbeats every 100 ms; the slow site trains for 2 s (20 intervals) each round.
        try (var fed = new TestFederation(dir, 2, "--cohort.coordinator.heartbeat-interval=100ms")) {
            String studyId = fed.createStudy(2, 2, 60);
            fed.startAgent(0, studyId, null);
            var training = new AtomicBoolean();
            var normal = new Dl4jLearner(fed.data.sites().get(1).dataFile());
            LocalLearner slow = (task, config, global) -> {
                training.set(true);
                try {
                    Thread.sleep(2000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                training.set(false);
                return normal.run(task, config, global);
            };
            var slowAgent = fed.startAgent(1, studyId, slow);
            fed.awaitConnected(2);
            fed.api.studies().start(studyId);

            boolean observedWhileTraining = false;
            long until = System.currentTimeMillis() + 60_000;
            while (System.currentTimeMillis() < until && !observedWhileTraining) {
                if (training.get()) {
                    Thread.sleep(1000); // ten heartbeat intervals into the slow training
                    for (JsonNode s : fed.api.sites().list()) {
                        if (s.get("siteId").asString().equals(slowAgent.siteId()) && training.get()) {
                            assertThat(s.get("connected").asBoolean()).isTrue();
                            assertThat(s.get("stale").asBoolean()).isFalse();
                            assertThat(s.get("state").asString()).isEqualTo("TRAINING");
                            observedWhileTraining = true;
                        }
                    }
                }
                Thread.sleep(20);
            }
            assertThat(observedWhileTraining).isTrue();

            JsonNode study = fed.awaitStudyEnd(studyId, Duration.ofMinutes(2));
            assertThat(study.get("status").asString()).isEqualTo("COMPLETED");
            for (JsonNode r : fed.api.studies().rounds(studyId)) {
                assertThat(r.get("reported").size()).as(r.toString()).isEqualTo(2);
            }
        }
    }

    @Test
    void roundWithTooFewReportsIsRetriedThenTheStudyFailsClearly(@TempDir Path dir) throws Exception {
        try (var fed = new TestFederation(dir, 2)) {
            // Needs two sites, but one of them always refuses: every attempt closes early for retry.
            String studyId = fed.createStudy(1, 2, 30);
            fed.startAgent(0, studyId, null);
            fed.startAgent(1, studyId, (task, config, global) -> {
                throw new IllegalStateException("local GPU unavailable");
            });
            JsonNode study = fed.startAndAwaitEnd(studyId, 2, Duration.ofMinutes(2));
            assertThat(study.get("status").asString()).isEqualTo("FAILED");
            assertThat(study.get("statusDetail").asString())
                    .contains("failed 4 times")
                    .contains("at least 2");
            JsonNode rounds = fed.api.studies().rounds(studyId);
            assertThat(rounds.size()).isEqualTo(4); // the first attempt and maxRetries = 3 retries
            for (JsonNode r : rounds) {
                assertThat(r.get("status").asString()).isEqualTo("FAILED");
                // The site's own message stays in its log: only a code and a reference leave it.
                assertThat(r.get("dropped").toString())
                        .contains("LOCAL_FAILURE", "reference site-")
                        .doesNotContain("local GPU unavailable");
            }
        }
    }
}
