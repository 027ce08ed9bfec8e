package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.cohort.agent.Dl4jLearner;
import org.cohort.agent.LocalLearner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * A coordinator that stops mid-round comes back from its data directory (CA, database,
 * models); the open round is cleanly abandoned — nothing from it is published — and retried,
 * and the agents reconnect by themselves. The privacy ledger charges every release: the update
 * that reached the coordinator before it stopped is charged although its attempt was abandoned
 * (the site trained it with noise and the coordinator read it), and the retry is charged again;
 * an update that never arrived is not.
 */
class CoordinatorRestartIntegrationTest {

    @Test
    void roundOpenDuringARestartIsAbandonedThenRetriedAndTheStudyCompletes(@TempDir Path dir) throws Exception {
        int agentPort = ChildProcesses.freePort();
        var fed = new TestFederation(dir, 2, "--cohort.coordinator.grpc-port=" + agentPort);
        String studyId = fed.createStudy(
                2,
                2,
                60,
                PrivacySpec.patient(1.5)
                        .with("epsilonBudget", 100)
                        .with("expectedBatchSize", 32)
                        .spec());
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
        fed.api.studies().start(studyId);
        // Wait until one site has reported and the other is still training, then stop the coordinator.
        while (calls.get() == 0
                || fed.api.studies().rounds(studyId).get(0).get("reported").size() < 1) {
            Thread.sleep(50);
        }
        fed.coordinator.close();

        try (var restarted =
                InProcessCoordinator.start(dir.resolve("coordinator"), "--cohort.coordinator.grpc-port=" + agentPort)) {
            var api = restarted.client();
            long until = System.currentTimeMillis() + 120_000;
            JsonNode study = api.studies().get(studyId);
            while (System.currentTimeMillis() < until
                    && !study.get("status").asString().equals("COMPLETED")) {
                Thread.sleep(200);
                study = api.studies().get(studyId);
            }
            assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("COMPLETED");
            JsonNode rounds = api.studies().rounds(studyId);
            JsonNode first = rounds.get(0);
            assertThat(first.get("roundNumber").asInt()).isEqualTo(1);
            assertThat(first.get("status").asString()).isEqualTo("FAILED");
            assertThat(first.get("detail").asString()).contains("abandoned");
            assertThat(first.get("resultVersion").isNull()).isTrue();
            // Every training round published exactly one version: initial + 2.
            assertThat(api.studies().models(studyId).size()).isEqualTo(3);
            // Every release is charged. Site 0's update of the abandoned attempt had arrived: it is charged, and
            // so is its retry (fresh training, fresh noise). Site 1's never arrived: only its retry is charged.
            JsonNode privacy = api.studies().privacy(studyId);
            assertThat(privacy.get("sites").size()).isEqualTo(2);
            for (int i = 0; i < 2; i++) {
                var agent = fed.agents.get(i);
                JsonNode site = null;
                for (JsonNode s : privacy.get("sites")) {
                    site = s.get("siteId").asString().equals(agent.siteId()) ? s : site;
                }
                var charged = new java.util.ArrayList<String>();
                site.get("charges")
                        .forEach(c -> charged.add(c.get("roundNumber").asInt() + "/"
                                + c.get("attempt").asInt()));
                // Then each site's noised final evaluation (round 3), a release of its own.
                assertThat(charged)
                        .as(site.toString())
                        .containsExactlyElementsOf(
                                i == 0
                                        ? java.util.List.of("1/1", "1/2", "2/1", "3/1")
                                        : java.util.List.of("1/2", "2/1", "3/1"));
                var sent = PrivacyIntegrationTest.localReleases(agent.ledgerFile(), studyId).stream()
                        .map(u -> u.get("payloadSha256").asString())
                        .toList();
                var chargedDigests = site.get("charges")
                        .valueStream()
                        .map(c -> c.get("payloadSha256").asString())
                        .toList();
                if (i == 0) {
                    assertThat(chargedDigests).containsExactlyElementsOf(sent); // every update it sent arrived
                } else {
                    assertThat(sent).hasSize(4).containsAll(chargedDigests); // its first one never did
                }
            }
            assertThat(api.audit().verify().get("valid").asBoolean()).isTrue();
        } finally {
            fed.agents.forEach(a -> a.close());
        }
    }
}
