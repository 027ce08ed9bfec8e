package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.cohort.agent.SiteAgent;
import org.cohort.crypto.secagg.SecAggParameters;
import org.cohort.privacy.sitelevel.DistributedDiscreteGaussian;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Site-level DP without a trusted coordinator, over real gRPC/mTLS: in a secure round every site
 * adds its share of discrete Gaussian noise inside the ring before masking, the coordinator
 * unmasks an already noised sum and adds nothing, and both ledgers charge σ_eff — the noise of
 * the fewest survivors the round could release over the sensitivity grown by the ring's rounding.
 */
class SiteLevelSecureAggregationIntegrationTest {
    private static final double CLIP = 1.0;
    private static final double Z = 0.6;

    @Test
    void secureSiteLevelRoundsAreNoisedAtTheSitesAndChargedWithDropoutsAndRounding(@TempDir Path dir) throws Exception {
        try (var fed = new TestFederation(dir, 4)) {
            String studyId = fed.createStudy(
                    2,
                    3,
                    120,
                    Map.of(
                            "secureAggregation",
                            Map.of("enabled", true, "stageTimeoutSeconds", 20),
                            "privacy",
                            PrivacySpec.site(CLIP)
                                    .with("noiseMultiplier", Z)
                                    .with("delta", 1e-5)
                                    .with("epsilonBudget", 50.0)
                                    .fields()));
            var agents = new java.util.ArrayList<SiteAgent>();
            for (int i = 0; i < 3; i++) {
                agents.add(fed.startAgent(i, studyId, null));
            }
            // The fourth site is in every round's roster but drops before the key exchange.
            fed.startAgent(3, studyId, (task, config, global) -> {
                throw new IllegalStateException("site went offline");
            });
            JsonNode study = fed.startAndAwaitEnd(studyId, 4, Duration.ofMinutes(4));
            assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("COMPLETED");
            for (JsonNode r : fed.api.studies().rounds(studyId)) {
                if (r.get("kind").asString().equals("TRAIN")) {
                    assertThat(r.get("status").asString()).isEqualTo("COMPLETED");
                    assertThat(r.get("reported").size()).isEqualTo(3);
                }
            }

            // Four sites in the roster; the round releases sums of at least t of them.
            int threshold = SecAggParameters.minimumSafeThreshold(SecAggParameters.defaultDegree(4));
            long d = fed.api
                    .studies()
                    .models(studyId)
                    .get(0)
                    .get("numParameters")
                    .asLong();
            var encoding = DistributedDiscreteGaussian.plan(CLIP, Z, 4, threshold, d);
            double sigmaEff = encoding.effectiveNoiseMultiplier();
            System.out.println("site-level secure rounds charged with " + encoding.describe());
            assertThat(sigmaEff)
                    .isLessThan(Z)
                    .isCloseTo(Z * CLIP / (CLIP + encoding.granularity() * Math.sqrt(d)), within(1e-12));

            JsonNode privacy = fed.api.studies().privacy(studyId);
            assertThat(privacy.get("sites").size()).isEqualTo(3);
            for (JsonNode site : privacy.get("sites")) {
                assertThat(site.get("unit").asString()).isEqualTo("site");
                assertThat(site.get("roundsCharged").asInt()).isEqualTo(2);
                for (JsonNode c : site.get("charges")) {
                    assertThat(c.get("event").get("noiseMultiplier").asDouble()).isEqualTo(sigmaEff);
                    assertThat(c.get("event").get("samplingRate").asDouble()).isEqualTo(1.0);
                }
                // The site's own ledger holds the same σ_eff (the agents' cross-check let round 2 run).
                SiteAgent agent = agents.stream()
                        .filter(a -> a.siteId().equals(site.get("siteId").asString()))
                        .findFirst()
                        .orElseThrow();
                for (JsonNode sent : PrivacyIntegrationTest.localUpdates(agent.ledgerFile(), studyId)) {
                    assertThat(sent.get("noiseMultiplier").asDouble()).isEqualTo(sigmaEff);
                }
            }
        }
    }
}
