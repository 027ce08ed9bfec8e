package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Secure aggregation over real gRPC/mTLS: the sites exchange keys and encrypted shares through
 * the coordinator, upload only masked ring elements, and the coordinator unmasks nothing but
 * the sum — which still trains the model.
 */
class SecureAggregationIntegrationTest {
    static final Map<String, Object> SECURE =
            Map.of("secureAggregation", Map.of("enabled", true, "clipRange", 4.0, "stageTimeoutSeconds", 20));

    @Test
    void maskedRoundsTrainTheModelAsWellAsPlaintextOnes(@TempDir Path dir) throws Exception {
        try (var fed = new TestFederation(dir, 3)) {
            String studyId = fed.createStudy(6, 3, 120, SECURE);
            fed.startAgents(studyId, 3);
            JsonNode study = fed.startAndAwaitEnd(studyId, 3, Duration.ofMinutes(3));
            assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("COMPLETED");
            for (JsonNode r : fed.api.studies().rounds(studyId)) {
                assertThat(r.get("status").asString()).isEqualTo("COMPLETED");
                if (r.get("kind").asString().equals("TRAIN")) {
                    assertThat(r.get("detail").asString()).isNotEmpty();
                    assertThat(r.get("reported").size()).isEqualTo(3);
                }
            }
            double accuracy = fed.finalEvaluation(studyId).get("pooledAccuracy").asDouble();
            String configJson = fed.api.studies().modelConfig(studyId);
            var central = Baselines.compute(fed.data, configJson, 42, 6 * DemoPlan.LOCAL_EPOCHS)
                    .central()
                    .pooled();
            System.out.printf("secure aggregation: federated %.4f, central %.4f%n", accuracy, central);
            assertThat(accuracy).isGreaterThan(central - 0.05);
        }
    }

    @Test
    void roundCompletesWhenASiteDropsBeforeTheKeyExchange(@TempDir Path dir) throws Exception {
        try (var fed = new TestFederation(dir, 4)) {
            String studyId = fed.createStudy(2, 3, 60, SECURE);
            fed.startAgents(studyId, 3);
            fed.startAgent(3, studyId, (task, config, global) -> {
                throw new IllegalStateException("site went offline");
            });
            JsonNode study = fed.startAndAwaitEnd(studyId, 4, Duration.ofMinutes(3));
            assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("COMPLETED");
            for (JsonNode r : fed.api.studies().rounds(studyId)) {
                if (r.get("kind").asString().equals("TRAIN")) {
                    assertThat(r.get("reported").size()).isEqualTo(3);
                    assertThat(r.get("dropped").size()).isEqualTo(1);
                }
            }
        }
    }
}
