package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.cohort.agent.Dl4jLearner;
import org.cohort.agent.Dl4jTrainer;
import org.cohort.agent.ExternalTrainer;
import org.cohort.agent.PyTorchWorker;
import org.cohort.agent.SiteAgent;
import org.cohort.agent.Trainer;
import org.cohort.learning.data.SplitKey;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The trainer boundary end to end over real gRPC/mTLS: sites that train through the external
 * PyTorch worker (a child process over cohort.trainer.v1) take part in a patient-level DP study
 * with secure aggregation next to a site that trains with DL4J in process, and the coordinator sees
 * the same messages and charges from both; a site whose trainer lies in its privacy report is
 * refused by its own agent, with the reason in its ledger and nothing charged or sent.
 */
class TrainerIntegrationTest {

    /** Times each training call of the trainer it wraps. */
    private record Timed(Trainer inner, ConcurrentLinkedQueue<Long> millis) implements Trainer {
        @Override
        public String describe() {
            return inner.describe();
        }

        @Override
        public java.util.Optional<String> modelProblem(String modelConfigJson) {
            return inner.modelProblem(modelConfigJson);
        }

        @Override
        public Result train(Job job) {
            long start = System.nanoTime();
            var r = inner.train(job);
            millis.add((System.nanoTime() - start) / 1_000_000);
            return r;
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    /** A trainer that trains honestly in process and then claims half the noise it used. */
    private record Lying(Trainer inner) implements Trainer {
        @Override
        public String describe() {
            return "lying";
        }

        @Override
        public Result train(Job job) {
            var r = inner.train(job);
            var p = r.privacy();
            return new Result(
                    r.delta(),
                    r.tensors(),
                    r.examples(),
                    r.meanLoss(),
                    new PrivacyReport(p.steps(), p.samplingRate(), p.noiseMultiplier() / 2, p.clipNorm(), p.noise()));
        }
    }

    private static SiteAgent start(TestFederation fed, int i, String studyId, Trainer trainer) throws Exception {
        Path data = fed.data.sites().get(i).dataFile();
        return fed.startAgent(
                i, studyId, new Dl4jLearner(data, SplitKey.of(Dl4jLearner.fixedSplitSecret(data)), trainer));
    }

    @Test
    void sitesTrainingThroughThePyTorchWorkerTakePartInADpStudyWithSecureAggregationIndistinguishably(@TempDir Path dir)
            throws Exception {
        var worker = PyTorchWorker.findFor("TrainerIntegrationTest (external trainer)");
        Assumptions.assumeTrue(worker.present(), worker::problem);
        try (var fed = new TestFederation(dir, 3)) {
            var extra = new HashMap<String, Object>(PrivacyIntegrationTest.patientDp(100));
            extra.putAll(SecureAggregationIntegrationTest.SECURE);
            int rounds = 3;
            String studyId = fed.createStudy(rounds, 3, 180, extra);
            var dl4jTimes = new ConcurrentLinkedQueue<Long>();
            var externalTimes = new ConcurrentLinkedQueue<Long>();
            List<SiteAgent> agents = new ArrayList<>();
            agents.add(start(fed, 0, studyId, new Timed(new Dl4jTrainer(), dl4jTimes)));
            for (int i = 1; i < 3; i++) {
                var external = new ExternalTrainer(
                        worker.command(), fed.agentWorkDir(i).resolve("trainer"), Duration.ofMinutes(2));
                agents.add(start(fed, i, studyId, new Timed(external, externalTimes)));
            }
            JsonNode study = fed.startAndAwaitEnd(studyId, 3, Duration.ofMinutes(4));
            assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("COMPLETED");
            for (JsonNode r : fed.api.studies().rounds(studyId)) {
                assertThat(r.get("status").asString()).as(r.toString()).isEqualTo("COMPLETED");
                if (r.get("kind").asString().equals("TRAIN")) {
                    assertThat(r.get("reported").size()).as(r.toString()).isEqualTo(3);
                }
            }
            // The coordinator charged every site the same (q, σ, steps): nothing in what it received says which
            // trainer a site used (the charge is the agent's own plan, never the trainer's report).
            JsonNode privacy = fed.api.studies().privacy(studyId);
            assertThat(privacy.get("sites").size()).isEqualTo(3);
            var charges = new ArrayList<String>();
            for (JsonNode site : privacy.get("sites")) {
                assertThat(site.get("roundsCharged").asInt()).isEqualTo(rounds + 1);
                charges.add(site.get("charges").findValues("event").toString());
            }
            assertThat(charges).as("charges per site").containsOnly(charges.getFirst());
            for (SiteAgent agent : agents) {
                assertThat(PrivacyIntegrationTest.localUpdates(agent.ledgerFile(), studyId))
                        .hasSize(rounds);
            }
            assertThat(externalTimes).hasSize(2 * rounds);
            System.out.printf(
                    "trainer boundary, patient DP + SecAgg, %d rounds: training time per round and site: DL4J in"
                            + " process %s ms, external PyTorch worker %s ms%n",
                    rounds, dl4jTimes, externalTimes);
        }
    }

    @Test
    void aTrainerThatClaimsLessNoiseIsRefusedByItsOwnAgentWithTheReasonInTheSiteLedger(@TempDir Path dir)
            throws Exception {
        try (var fed = new TestFederation(dir, 3)) {
            String studyId = fed.createStudy(2, 2, 120, PrivacyIntegrationTest.patientDp(100));
            fed.startAgents(studyId, 2);
            SiteAgent lying = start(fed, 2, studyId, new Lying(new Dl4jTrainer()));
            JsonNode study = fed.startAndAwaitEnd(studyId, 3, Duration.ofMinutes(3));
            assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("COMPLETED");
            for (JsonNode r : fed.api.studies().rounds(studyId)) {
                if (r.get("kind").asString().equals("TRAIN")) {
                    assertThat(r.get("reported").size()).isEqualTo(2);
                    assertThat(r.get("dropped").get(lying.siteId()).asString())
                            .startsWith("REFUSED")
                            .contains("refused the update its trainer returned");
                }
            }
            // Nothing left the site and nothing was charged to it; its ledger says why.
            assertThat(PrivacyIntegrationTest.localUpdates(lying.ledgerFile(), studyId))
                    .isEmpty();
            for (JsonNode site : fed.api.studies().privacy(studyId).get("sites")) {
                if (site.get("siteId").asString().equals(lying.siteId())) {
                    // Only its final evaluation's noised counts (round 3), which its trainer has no part in.
                    for (JsonNode c : site.get("charges")) {
                        assertThat(c.get("roundNumber").asInt())
                                .as(c.toString())
                                .isEqualTo(3);
                    }
                }
            }
            var refused = new ArrayList<JsonNode>();
            var json = JsonMapper.builder().build();
            for (String line : Files.readAllLines(lying.ledgerFile())) {
                JsonNode n = json.readTree(line);
                if (n.get("kind").asString().equals("refused")) {
                    refused.add(n);
                }
            }
            assertThat(refused).hasSize(2);
            assertThat(refused.getFirst().get("reason").asString())
                    .startsWith("TRAINER_REPORT_REFUSED: the trainer reports noise multiplier")
                    .contains("below");
            assertThat(refused.getFirst().has("samplingRate")).isFalse();
        }
    }
}
