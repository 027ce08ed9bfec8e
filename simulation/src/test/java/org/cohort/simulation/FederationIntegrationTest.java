package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * A coordinator and three agents over real gRPC with mutual TLS on ephemeral loopback ports,
 * training logistic regression with FedAvg on synthetic hospitals whose case mixes differ.
 */
class FederationIntegrationTest {
    static final int ROUNDS = 10;

    @Test
    void threeHospitalsReachCentralAccuracyAndBeatEverySiteAlone(@TempDir Path dir) throws Exception {
        try (var fed = new TestFederation(dir, 3)) {
            String studyId = fed.createStudy(ROUNDS, 3, 120);
            fed.startAgents(studyId, 3);
            JsonNode study = fed.startAndAwaitEnd(studyId, 3, Duration.ofMinutes(4));
            assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("COMPLETED");
            assertThat(study.get("currentVersion").asLong()).isEqualTo(1 + ROUNDS);

            double federated =
                    fed.finalEvaluation(studyId).get("pooledAccuracy").asDouble();
            String configJson = fed.api.studies().modelConfig(studyId);
            var baselines = Baselines.compute(fed.data, configJson, 42, ROUNDS * DemoPlan.LOCAL_EPOCHS);
            System.out.printf(
                    "federated %.4f, central %.4f, single sites %s%n",
                    federated, baselines.central().pooled(), baselines.singleSite());
            assertThat(federated).isCloseTo(baselines.central().pooled(), org.assertj.core.data.Offset.offset(0.02));
            for (var single : baselines.singleSite().values()) {
                assertThat(single.pooled()).isLessThan(federated - 0.05);
            }
            // In clear each site sends its exact score histogram: accuracy at 0.5 from the pooled histogram
            // agrees with the argmax accuracy, and the model ranks far better than chance.
            JsonNode scores = fed.finalEvaluation(studyId).get("scores");
            assertThat(scores.get("bySite").size()).isEqualTo(3);
            assertThat(scores.get("pooled").get("auroc").asDouble()).isGreaterThan(0.7);
            assertThat(scores.get("pooled").get("auprc").asDouble()).isBetween(0.0, 1.0);
            assertThat(scores.get("pooled").get("examples").asLong())
                    .isEqualTo(fed.finalEvaluation(studyId).get("examples").asLong());

            // Lineage: every version names its parent and the three contributing sites.
            JsonNode models = fed.api.studies().models(studyId);
            assertThat(models.size()).isEqualTo(1 + ROUNDS);
            for (JsonNode m : models) {
                if (m.get("version").asLong() > 1) {
                    assertThat(m.get("parentVersion").asLong())
                            .isEqualTo(m.get("version").asLong() - 1);
                    assertThat(m.get("contributors").size()).isEqualTo(3);
                }
            }
            // Every round: all three sites reported, with a training loss.
            for (JsonNode r : fed.api.studies().rounds(studyId)) {
                assertThat(r.get("reported").size()).isEqualTo(3);
                assertThat(r.get("status").asString()).isEqualTo("COMPLETED");
            }
            // Each hospital kept its own record of what it sent.
            for (var agent : fed.agents) {
                assertThat(Files.readAllLines(agent.ledgerFile())).hasSize(ROUNDS + 1);
            }
        }
    }
}
