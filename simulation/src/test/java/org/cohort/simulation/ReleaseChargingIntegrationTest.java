package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.cohort.agent.Dl4jLearner;
import org.cohort.agent.LocalLearner;
import org.cohort.agent.SiteAgent;
import org.cohort.privacy.accounting.PrivacyEvent;
import org.cohort.privacy.accounting.RdpAccountant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The coordinator charges every release — each attempt whose update it could read — and the
 * same signed update once: a retried round at a site costs that site twice, as its own ledger
 * says, and a secure attempt that ended before its sum was unmasked costs nothing.
 */
class ReleaseChargingIntegrationTest {

    @Test
    void aRetriedRoundIsChargedForEachAttemptAndTheReportEqualsTheSitesOwnLedger(@TempDir Path dir) throws Exception {
        try (var fed = new TestFederation(dir, 2)) {
            String studyId = fed.createStudy(2, 2, 120, PrivacyIntegrationTest.patientDp(100));
            SiteAgent first = fed.startAgent(0, studyId, null);
            String firstSite = first.siteId();
            var calls = new AtomicInteger();
            var normal = new Dl4jLearner(fed.data.sites().get(1).dataFile());
            // Site 1 fails attempt 1 of round 1 once site 0's update has arrived: the round is retried
            // with too few sites, and site 0 trains round 1 again, with fresh noise.
            LocalLearner failsOnce = (task, config, global) -> {
                if (calls.incrementAndGet() == 1) {
                    awaitReported(fed, studyId, firstSite);
                    throw new IllegalStateException("site 1 lost its GPU");
                }
                return normal.run(task, config, global);
            };
            SiteAgent second = fed.startAgent(1, studyId, failsOnce);
            JsonNode study = fed.startAndAwaitEnd(studyId, 2, Duration.ofMinutes(3));
            assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("COMPLETED");
            JsonNode firstAttempt = fed.api.studies().rounds(studyId).get(0);
            assertThat(firstAttempt.get("attempt").asInt()).isEqualTo(1);
            assertThat(firstAttempt.get("status").asString()).isEqualTo("FAILED");

            JsonNode privacy = fed.api.studies().privacy(studyId);
            for (SiteAgent agent : List.of(first, second)) {
                JsonNode site = siteOf(privacy, agent.siteId());
                List<JsonNode> sent = PrivacyIntegrationTest.localReleases(agent.ledgerFile(), studyId);
                var attempts = new ArrayList<String>();
                site.get("charges")
                        .forEach(c -> attempts.add(c.get("roundNumber").asInt() + "/"
                                + c.get("attempt").asInt()));
                // Site 0 released round 1 twice (both attempts arrived); site 1 released it once. Both
                // released their noised final evaluation (round 3), charged like any other release.
                assertThat(attempts)
                        .as(site.toString())
                        .containsExactlyElementsOf(
                                agent == first ? List.of("1/1", "1/2", "2/1", "3/1") : List.of("1/2", "2/1", "3/1"));
                // Release by release: the same updates, named by the digests the site signed.
                assertThat(site.get("charges")
                                .valueStream()
                                .map(c -> c.get("payloadSha256").asString())
                                .toList())
                        .containsExactlyElementsOf(sent.stream()
                                .map(s -> s.get("payloadSha256").asString())
                                .toList());
                double reported = site.get("spent").get("epsilon").asDouble();
                double ownLedger = RdpAccountant.withDefaultOrders()
                        .composeAll(events(sent))
                        .epsilon(1e-5);
                System.out.printf(
                        "site %s: %d updates sent, coordinator reports ε = %.4f, site ledger ε = %.4f%n",
                        agent.siteId(), sent.size(), reported, ownLedger);
                assertThat(reported)
                        .as("the report never shows less than the site spent")
                        .isCloseTo(ownLedger, within(1e-9));
            }
            JsonNode audit = fed.api.audit().verify();
            assertThat(audit.get("valid").asBoolean()).as(audit.toString()).isTrue();
        }
    }

    @Test
    void aSecureAttemptAbandonedBeforeItsSumWasUnmaskedChargesNothing(@TempDir Path dir) throws Exception {
        try (var fed = new TestFederation(dir, 4)) {
            var extra = new HashMap<String, Object>(PrivacyIntegrationTest.patientDp(100));
            extra.putAll(SecureAggregationIntegrationTest.SECURE);
            // Every site is needed: once site 3's masked input is refused the sum is never unmasked.
            String studyId = fed.createStudy(1, 4, 120, extra);
            List<SiteAgent> agents = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                agents.add(fed.startAgent(
                        i,
                        studyId,
                        i < 3 ? null : badMetricsOnce(fed.data.sites().get(i).dataFile())));
            }
            JsonNode study = fed.startAndAwaitEnd(studyId, 4, Duration.ofMinutes(3));
            assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("COMPLETED");
            JsonNode firstAttempt = fed.api.studies().rounds(studyId).get(0);
            assertThat(firstAttempt.get("attempt").asInt()).isEqualTo(1);
            assertThat(firstAttempt.get("status").asString())
                    .as(firstAttempt.toString())
                    .isEqualTo("FAILED");

            JsonNode privacy = fed.api.studies().privacy(studyId);
            assertThat(privacy.get("sites").size()).isEqualTo(4);
            for (SiteAgent agent : agents) {
                JsonNode site = siteOf(privacy, agent.siteId());
                // Only the attempt whose sum was unmasked is charged, though every site sent in both; then the
                // noised final evaluation (round 2).
                assertThat(site.get("charges")
                                .valueStream()
                                .map(c -> c.get("roundNumber").asInt() + "/"
                                        + c.get("attempt").asInt())
                                .toList())
                        .as(site.toString())
                        .containsExactly("1/2", "2/1");
                assertThat(PrivacyIntegrationTest.localUpdates(agent.ledgerFile(), studyId))
                        .hasSize(2);
            }
            for (JsonNode e : fed.api.audit().entries(0, 1000).get("entries")) {
                if (e.get("kind").asString().equals("LEDGER_CHARGE")
                        && e.get("details").get("roundNumber").asInt() == 1) {
                    assertThat(e.get("details").get("attempt").asInt()).isEqualTo(2);
                    assertThat(e.get("details").get("released").asString()).contains("unmasked");
                }
            }
            JsonNode audit = fed.api.audit().verify();
            assertThat(audit.get("valid").asBoolean()).as(audit.toString()).isTrue();
        }
    }

    /** Trains normally but, the first time, reports a held-out release the coordinator refuses at the upload's header. */
    private static LocalLearner badMetricsOnce(Path data) {
        var normal = new Dl4jLearner(data);
        var calls = new AtomicInteger();
        return new ReplacedRun(normal, (task, config, global) -> {
            LocalLearner.Outcome o = normal.run(task, config, global);
            // Under DP held-out counts are withheld, so the bad release is a confusion matrix in a
            // training task, which only a final evaluation may carry.
            return calls.incrementAndGet() > 1
                    ? o
                    : new LocalLearner.Outcome(
                            o.delta(),
                            o.exampleCount(),
                            o.trainLoss(),
                            o.trainMillis(),
                            0,
                            0,
                            0,
                            o.privacy(),
                            new org.cohort.protocol.NoisedConfusion(List.of(1L, 2L, 3L, 4L), 2, 1.0));
        });
    }

    private static List<PrivacyEvent> events(List<JsonNode> sent) {
        return sent.stream()
                .map(s -> (PrivacyEvent) new PrivacyEvent.SampledGaussian(
                        s.get("samplingRate").asDouble(),
                        s.get("noiseMultiplier").asDouble(),
                        s.get("steps").asLong()))
                .toList();
    }

    private static JsonNode siteOf(JsonNode privacy, String siteId) {
        for (JsonNode s : privacy.get("sites")) {
            if (s.get("siteId").asString().equals(siteId)) {
                return s;
            }
        }
        throw new AssertionError("no privacy charges for site " + siteId + ": " + privacy);
    }

    private static void awaitReported(TestFederation fed, String studyId, String site) {
        long until = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < until) {
            if (fed.api
                    .studies()
                    .rounds(studyId)
                    .get(0)
                    .get("reported")
                    .toString()
                    .contains(site)) {
                return;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
