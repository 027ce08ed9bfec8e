package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.cohort.agent.Dl4jLearner;
import org.cohort.agent.LocalLearner;
import org.cohort.protocol.v1.TaskKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Strategies end to end, over real gRPC and the real agent: FedProx's μ travels to every site in
 * its training tasks and the study completes; Krum completes a study in which one of five sites
 * sends a huge update every round, and no round lets it into the model.
 */
class StrategiesIntegrationTest {
    static final int ROUNDS = 3;

    @Test
    void aFedProxStudyCompletesWithItsMuInEverySitesTrainingPlan(@TempDir Path dir) throws Exception {
        try (var fed = new TestFederation(dir, 3)) {
            String studyId = fed.createStudy(
                    ROUNDS, 3, 120, Map.of("strategy", "fedprox", "strategyOptions", Map.of("mu", 0.1)));
            assertThatThrownBy(() -> fed.createStudy(
                            ROUNDS, 3, 120, Map.of("strategy", "fedprox", "strategyOptions", Map.of("muu", 0.1))))
                    .as("a misspelt option is refused, not ignored")
                    .hasMessageContaining("strategyOptions.muu is not an option of any strategy");
            assertThatThrownBy(() -> fed.createStudy(
                            ROUNDS, 3, 120, Map.of("strategy", "fedprox", "strategyOptions", Map.of("mu", -1))))
                    .hasMessageContaining("strategyOptions.mu (fedprox's proximal term) must be a finite number");
            var seen = new ConcurrentLinkedQueue<Double>();
            for (int i = 0; i < 3; i++) {
                LocalLearner inner = new Dl4jLearner(fed.data.sites().get(i).dataFile());
                fed.startAgent(i, studyId, new ReplacedRun(inner, (task, config, global) -> {
                    if (task.getKind() == TaskKind.TRAIN) {
                        seen.add(task.getPlan().getProximalMu());
                    }
                    return inner.run(task, config, global);
                }));
            }
            JsonNode study = fed.startAndAwaitEnd(studyId, 3, Duration.ofMinutes(3));
            assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("COMPLETED");
            assertThat(study.get("currentVersion").asLong()).isEqualTo(1 + ROUNDS);
            assertThat(seen).hasSize(3 * ROUNDS).containsOnly(0.1);
            assertThat(fed.finalEvaluation(studyId).get("pooledAccuracy").asDouble())
                    .isGreaterThan(0.7);
        }
    }

    @Test
    void aKrumStudyCompletesAndKeepsOutTheHugeUpdatesOfOneOfFiveSites(@TempDir Path dir) throws Exception {
        try (var fed = new TestFederation(dir, 5)) {
            String studyId = fed.createStudy(
                    ROUNDS, 5, 120, Map.of("strategy", "krum", "strategyOptions", Map.of("f", 1, "maxSites", 5)));
            for (int i = 0; i < 4; i++) {
                fed.startAgent(i, studyId, null);
            }
            LocalLearner honest = new Dl4jLearner(fed.data.sites().get(4).dataFile());
            fed.startAgent(4, studyId, new ReplacedRun(honest, (task, config, global) -> {
                var outcome = honest.run(task, config, global);
                if (task.getKind() != TaskKind.TRAIN) {
                    return outcome;
                }
                float[] huge = new float[global.length];
                java.util.Arrays.fill(huge, 1e6f);
                return outcome.withDelta(huge);
            }));
            JsonNode study = fed.startAndAwaitEnd(studyId, 5, Duration.ofMinutes(4));
            assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("COMPLETED");
            // Each round publishes one honest site's update: the hostile 1e6 never reaches the model.
            Path last = dir.resolve("last.f32");
            fed.api.studies().downloadParameters(studyId, 1 + ROUNDS, last);
            var values = java.nio.ByteBuffer.wrap(java.nio.file.Files.readAllBytes(last))
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                    .asFloatBuffer();
            assertThat(values.remaining()).isPositive();
            while (values.hasRemaining()) {
                assertThat(Math.abs(values.get())).isLessThan(100f);
            }
            for (JsonNode r : fed.api.studies().rounds(studyId)) {
                assertThat(r.get("status").asString()).isEqualTo("COMPLETED");
                if (r.get("kind").asString().equals("TRAIN")) {
                    assertThat(r.get("reported").size())
                            .as("the hostile site's update was held too: %s", r)
                            .isEqualTo(5);
                }
            }
        }
    }
}
