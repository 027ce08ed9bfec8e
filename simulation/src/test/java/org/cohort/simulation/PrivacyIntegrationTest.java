package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.cohort.agent.Dl4jLearner;
import org.cohort.agent.LocalLearner;
import org.cohort.agent.SiteAgent;
import org.cohort.privacy.accounting.PrivacyEvent;
import org.cohort.privacy.accounting.RdpAccountant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Patient-level DP end to end over real gRPC/mTLS: sites run DP-SGD, the coordinator charges
 * its ledger once per site and round before releasing each version, refuses a round that
 * would go past the study's budget, and an agent refuses a round that would go past its
 * admin's ceiling — each with a reason a person can act on.
 */
class PrivacyIntegrationTest {
    private static final double SIGMA = 1.5;

    static Map<String, Object> patientDp(double budget) {
        return PrivacySpec.patient(SIGMA)
                .with("clipNorm", 1.0)
                .with("delta", 1e-5)
                .with("epsilonBudget", budget)
                .with("accountant", "rdp")
                .with("expectedBatchSize", 32)
                .spec();
    }

    @Test
    void dpSgdRoundsWithSecureAggregationAreChargedOnceAndMatchTheSitesOwnLedgers(@TempDir Path dir) throws Exception {
        try (var fed = new TestFederation(dir, 3)) {
            var extra = new HashMap<String, Object>(patientDp(100));
            extra.putAll(SecureAggregationIntegrationTest.SECURE);
            String studyId = fed.createStudy(3, 3, 120, extra);
            List<SiteAgent> agents = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                agents.add(fed.startAgent(i, studyId, null));
            }
            JsonNode study = fed.startAndAwaitEnd(studyId, 3, Duration.ofMinutes(3));
            assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("COMPLETED");
            // The training loss is a statistic of the training data outside the ε accounting: withheld.
            for (JsonNode r : fed.api.studies().rounds(studyId)) {
                assertThat(r.get("trainLoss").isNull()).as(r.toString()).isTrue();
            }

            // The held-out patients are patients too: no training round says anything about them, and the
            // final evaluation is released only as noised counts (a binary study's score histogram).
            double evaluationNoise = fed.api
                    .studies()
                    .get(studyId)
                    .get("spec")
                    .get("privacy")
                    .get("evaluationNoiseMultiplier")
                    .asDouble();
            assertThat(evaluationNoise).isPositive();
            JsonNode last = fed.finalEvaluation(studyId);
            for (JsonNode r : fed.api.studies().rounds(studyId)) {
                // A round shows the evaluation of the version it published: only the last one has any.
                if (r.get("kind").asString().equals("TRAIN")
                        && r.get("resultVersion").asLong()
                                != last.get("version").asLong()) {
                    assertThat(r.get("evaluation").isNull()).as(r.toString()).isTrue();
                }
            }
            assertThat(last.get("release").asString()).contains("discrete Gaussian noise", "charged");
            assertThat(last.get("meanLoss").isNull()).isTrue();
            // A binary study releases its score histogram in place of the confusion matrix (one charge, below):
            // AUROC, AUPRC and calibration error per site and pooled are post-processing of it.
            assertThat(last.get("release").asString()).contains("from score histograms");
            assertThat(last.get("scores").get("bySite").size()).isEqualTo(3);
            assertThat(last.get("scores").get("pooled").get("calibrationError").asDouble())
                    .isBetween(0.0, 1.0);

            JsonNode privacy = fed.api.studies().privacy(studyId);
            assertThat(privacy.get("sites").size()).isEqualTo(3);
            for (JsonNode site : privacy.get("sites")) {
                assertThat(site.get("unit").asString()).isEqualTo("patient");
                // Three training rounds and the final evaluation.
                assertThat(site.get("roundsCharged").asInt()).isEqualTo(4);
                var events = new ArrayList<PrivacyEvent>();
                for (JsonNode c : site.get("charges")) {
                    JsonNode e = c.get("event");
                    boolean evaluation = c.get("roundNumber").asInt() == 4;
                    assertThat(e.get("noiseMultiplier").asDouble())
                            .as(c.toString())
                            .isCloseTo(evaluation ? evaluationNoise : SIGMA, within(SIGMA * 1e-3));
                    if (evaluation) {
                        assertThat(e.get("samplingRate").asDouble()).isEqualTo(1.0);
                        assertThat(e.get("steps").asLong()).isEqualTo(1);
                    }
                    events.add(new PrivacyEvent.SampledGaussian(
                            e.get("samplingRate").asDouble(),
                            e.get("noiseMultiplier").asDouble(),
                            e.get("steps").asLong()));
                }
                // Anyone can recompute the coordinator's number from the charged inputs.
                double recomputed =
                        RdpAccountant.withDefaultOrders().composeAll(events).epsilon(1e-5);
                assertThat(site.get("spent").get("epsilon").asDouble()).isCloseTo(recomputed, within(1e-9));
                assertThat(site.get("spent").get("statement").asString()).contains("δ");

                // The site's own ledger recorded exactly what the coordinator charged.
                SiteAgent agent = agents.stream()
                        .filter(a -> a.siteId().equals(site.get("siteId").asString()))
                        .findFirst()
                        .orElseThrow();
                List<JsonNode> sent = localUpdates(agent.ledgerFile(), studyId);
                assertThat(sent).hasSize(3);
                for (int r = 0; r < 3; r++) {
                    JsonNode local = sent.get(r);
                    JsonNode charged = site.get("charges").get(r).get("event");
                    assertThat(local.get("samplingRate").asDouble())
                            .isEqualTo(charged.get("samplingRate").asDouble());
                    assertThat(local.get("noiseMultiplier").asDouble())
                            .isEqualTo(charged.get("noiseMultiplier").asDouble());
                    assertThat(local.get("steps").asLong())
                            .isEqualTo(charged.get("steps").asLong());
                }
            }
            JsonNode audit = fed.api.audit().verify();
            assertThat(audit.get("valid").asBoolean()).as(audit.toString()).isTrue();
        }
    }

    @Test
    void coordinatorRefusesTheRoundThatWouldExceedTheStudyBudget(@TempDir Path dir) throws Exception {
        try (var fed = new TestFederation(dir, 2)) {
            // One round of DP-SGD here (q = 32/300, σ = 1.5, 50 steps) costs ε ≈ 3.04 and two ≈ 4.20 (RDP,
            // δ = 1e-5): a budget of 3.5 leaves room for exactly one.
            String studyId = fed.createStudy(5, 2, 120, patientDp(3.5));
            fed.startAgents(studyId, 2);
            JsonNode study = fed.startAndAwaitEnd(studyId, 2, Duration.ofMinutes(2));
            assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("STOPPED");
            assertThat(study.get("roundsDone").asInt()).isEqualTo(1);
            assertThat(study.get("statusDetail").asString()).contains("privacy budget", "would exceed", "3.5");

            JsonNode privacy = fed.api.studies().privacy(studyId);
            for (JsonNode site : privacy.get("sites")) {
                assertThat(site.get("roundsCharged").asInt()).isEqualTo(1);
                assertThat(site.get("spent").get("epsilon").asDouble()).isLessThanOrEqualTo(3.5);
            }
            assertThat(auditKinds(fed)).contains("ROUND_REFUSED", "STUDY_STOPPED");
        }
    }

    @Test
    void sitesRefuseAFirstRoundThatAloneWouldExceedTheStudyBudget(@TempDir Path dir) throws Exception {
        // The coordinator cannot price a site's first patient-level round (it depends on the site's
        // rows), so each agent checks the study's budget itself: nothing may be spent past it.
        try (var fed = new TestFederation(dir, 2)) {
            String studyId = fed.createStudy(
                    2,
                    2,
                    60,
                    Map.of(
                            "maxRetries",
                            0,
                            "privacy",
                            PrivacySpec.patient(SIGMA)
                                    .with("clipNorm", 1.0)
                                    .with("delta", 1e-5)
                                    .with("epsilonBudget", 0.8)
                                    .with("expectedBatchSize", 32)
                                    .fields()));
            SiteAgent a = fed.startAgent(0, studyId, null);
            SiteAgent b = fed.startAgent(1, studyId, null);
            JsonNode study = fed.startAndAwaitEnd(studyId, 2, Duration.ofMinutes(2));
            assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("FAILED");
            assertThat(study.get("roundsDone").asInt()).isZero();
            JsonNode first = fed.api.studies().rounds(studyId).get(0);
            assertThat(first.get("dropped").get(a.siteId()).asString())
                    .contains("REFUSED", "the study's budget of 0.8000");
            assertThat(localUpdates(a.ledgerFile(), studyId)).isEmpty();
            assertThat(localUpdates(b.ledgerFile(), studyId)).isEmpty();
            assertThat(fed.api.studies().privacy(studyId).get("sites").size()).isZero();
        }
    }

    @Test
    void agentRefusesATaskAboveItsAdminsCeilingAndTheRoundGoesOnWithoutIt(@TempDir Path dir) throws Exception {
        try (var fed = new TestFederation(dir, 3)) {
            String studyId = fed.createStudy(2, 2, 120, patientDp(100));
            fed.startAgents(studyId, 2);
            SiteAgent strict = fed.startAgent(2, studyId, null, 0.05);
            JsonNode study = fed.startAndAwaitEnd(studyId, 3, Duration.ofMinutes(2));
            assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("COMPLETED");
            for (JsonNode r : fed.api.studies().rounds(studyId)) {
                if (r.get("kind").asString().equals("TRAIN")) {
                    assertThat(r.get("reported").size()).isEqualTo(2);
                    assertThat(r.get("dropped").get(strict.siteId()).asString())
                            .startsWith("REFUSED")
                            .contains("ceiling", "0.0500");
                }
            }
            // Nothing left the strict site, and nothing was charged to it.
            assertThat(localUpdates(strict.ledgerFile(), studyId)).isEmpty();
            for (JsonNode site : fed.api.studies().privacy(studyId).get("sites")) {
                assertThat(site.get("siteId").asString()).isNotEqualTo(strict.siteId());
            }
        }
    }

    @Test
    void aLedgerRowDeletedMidStudyIsNamedByVerificationAndStopsTheStudyAtThatSite(@TempDir Path dir) throws Exception {
        try (var fed = new TestFederation(dir, 3)) {
            String studyId = fed.createStudy(3, 2, 120, patientDp(100));
            var inRoundTwo = new CountDownLatch(1);
            var tampered = new CountDownLatch(1);
            // Site 0 pauses in round 2, after round 1 was charged and before its next cross-check.
            LocalLearner paused =
                    pausing(new Dl4jLearner(fed.data.sites().get(0).dataFile()), 2, inRoundTwo, tampered);
            SiteAgent victim = fed.startAgent(0, studyId, paused);
            fed.startAgent(1, studyId, null);
            fed.startAgent(2, studyId, null);
            fed.awaitConnected(3);
            fed.api.studies().start(studyId);
            assertThat(inRoundTwo.await(2, TimeUnit.MINUTES)).isTrue();

            int deleted = fed.coordinator
                    .bean(JdbcClient.class)
                    .sql("DELETE FROM privacy_charges WHERE study_id = ? AND site_id = ? AND round_number = 1")
                    .params(studyId, victim.siteId())
                    .update();
            assertThat(deleted).isEqualTo(1);
            tampered.countDown();

            JsonNode study = fed.awaitStudyEnd(studyId, Duration.ofMinutes(3));
            assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("COMPLETED");
            String reason = AuditAnchorIntegrationTest.awaitDistrusted(fed.agentWorkDir(0), studyId);
            assertThat(reason).contains("no charge for round 1", "was deleted");
            for (JsonNode r : fed.api.studies().rounds(studyId)) {
                if (r.get("kind").asString().equals("TRAIN")
                        && r.get("roundNumber").asInt() == 3) {
                    assertThat(r.get("dropped").get(victim.siteId()).asString())
                            .as(r.toString())
                            .startsWith("REFUSED")
                            .contains("was deleted");
                }
            }
            JsonNode v = fed.api.audit().verify();
            assertThat(v.get("valid").asBoolean()).as(v.toString()).isFalse();
            assertThat(v.get("firstProblem").get("defect").asString()).isEqualTo("LEDGER_CHARGE_MISSING");
            assertThat(v.get("firstProblem").get("message").asString())
                    .contains("round 1 attempt ", " site " + victim.siteId(), "its row was deleted");
        }
    }

    /** A learner that stops in one round until the test has done what it must. */
    private static LocalLearner pausing(LocalLearner inner, int round, CountDownLatch reached, CountDownLatch resume) {
        return new ReplacedRun(inner, (task, modelConfigJson, globalParameters) -> {
            if (task.getRoundNumber() == round && task.getKind() == org.cohort.protocol.v1.TaskKind.TRAIN) {
                reached.countDown();
                try {
                    resume.await(2, TimeUnit.MINUTES);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return inner.run(task, modelConfigJson, globalParameters);
        });
    }

    /** The updates a site's own ledger recorded for a study, in order. */
    static List<JsonNode> localUpdates(Path ledger, String studyId) throws Exception {
        return localSends(ledger, studyId, List.of("update"));
    }

    /** Every charged release in the site's own ledger: its updates and its noised final evaluation. */
    static List<JsonNode> localReleases(Path ledger, String studyId) throws Exception {
        return localSends(ledger, studyId, List.of("update", "evaluation")).stream()
                .filter(n -> n.has("samplingRate") && !n.get("samplingRate").isNull())
                .toList();
    }

    private static List<JsonNode> localSends(Path ledger, String studyId, List<String> kinds) throws Exception {
        var out = new ArrayList<JsonNode>();
        if (!Files.exists(ledger)) {
            return out;
        }
        var json = JsonMapper.builder().build();
        for (String line : Files.readAllLines(ledger)) {
            JsonNode n = json.readTree(line);
            if (n.get("study").asString().equals(studyId)
                    && kinds.contains(n.get("kind").asString())) {
                out.add(n);
            }
        }
        return out;
    }

    private static List<String> auditKinds(TestFederation fed) {
        var kinds = new ArrayList<String>();
        for (JsonNode e : fed.api.audit().entries(0, 1000).get("entries")) {
            kinds.add(e.get("kind").asString());
        }
        return kinds;
    }
}
