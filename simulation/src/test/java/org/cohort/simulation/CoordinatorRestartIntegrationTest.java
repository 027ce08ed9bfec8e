package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.cohort.agent.Dl4jLearner;
import org.cohort.agent.LocalLearner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * A coordinator that stops mid-round comes back from its data directory (CA, database,
 * models); the open round is cleanly abandoned — nothing from it is published — and retried,
 * and the agents reconnect by themselves. The privacy ledger charges each site once per
 * published round, however many attempts it took.
 */
class CoordinatorRestartIntegrationTest {

    @Test
    void roundOpenDuringARestartIsAbandonedThenRetriedAndTheStudyCompletes(@TempDir Path dir) throws Exception {
        int agentPort = ChildProcesses.freePort();
        var fed = new TestFederation(dir, 2, "--cohort.coordinator.grpc-port=" + agentPort);
        String studyId = fed.createStudy(2, 2, 60, java.util.Map.of("privacy", java.util.Map.of("mode", "patient",
                "noiseMultiplier", 1.5, "epsilonBudget", 100, "expectedBatchSize", 32)));
        fed.startAgent(0, studyId, null);
        var calls = new AtomicInteger();
        var normal = new Dl4jLearner(fed.data.sites().get(1).dataFile());
        LocalLearner slowOnce = (task, config, global) -> {
            if (calls.incrementAndGet() == 1) {
                try {
                    Thread.sleep(8000); // still training when the coordinator goes down
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return normal.run(task, config, global);
        };
        fed.startAgent(1, studyId, slowOnce);
        fed.awaitConnected(2);
        fed.api.post("/api/studies/" + studyId + "/start", null);
        // Wait until one site has reported and the other is still training, then stop the coordinator.
        while (calls.get() == 0 || fed.api.get("/api/studies/" + studyId + "/rounds").get(0).get("reported").size() < 1) {
            Thread.sleep(50);
        }
        fed.coordinator.close();

        try (var restarted = InProcessCoordinator.start(dir.resolve("coordinator"),
                "--cohort.coordinator.grpc-port=" + agentPort)) {
            var api = restarted.client();
            long until = System.currentTimeMillis() + 120_000;
            JsonNode study = api.get("/api/studies/" + studyId);
            while (System.currentTimeMillis() < until && !study.get("status").asString().equals("COMPLETED")) {
                Thread.sleep(200);
                study = api.get("/api/studies/" + studyId);
            }
            assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("COMPLETED");
            JsonNode rounds = api.get("/api/studies/" + studyId + "/rounds");
            JsonNode first = rounds.get(0);
            assertThat(first.get("roundNumber").asInt()).isEqualTo(1);
            assertThat(first.get("status").asString()).isEqualTo("FAILED");
            assertThat(first.get("detail").asString()).contains("abandoned");
            assertThat(first.get("resultVersion").isNull()).isTrue();
            // Every training round published exactly one version: initial + 2.
            assertThat(api.get("/api/studies/" + studyId + "/models").size()).isEqualTo(3);
            // The ledger charged each site once per published round: the abandoned attempt charged nothing.
            JsonNode privacy = api.get("/api/studies/" + studyId + "/privacy");
            assertThat(privacy.get("sites").size()).isEqualTo(2);
            for (JsonNode site : privacy.get("sites")) {
                var charged = new java.util.ArrayList<Integer>();
                site.get("charges").forEach(c -> charged.add(c.get("roundNumber").asInt()));
                assertThat(charged).containsExactly(1, 2);
            }
            assertThat(api.get("/api/audit/verify").get("valid").asBoolean()).isTrue();
        } finally {
            fed.agents.forEach(a -> a.close());
        }
    }
}
