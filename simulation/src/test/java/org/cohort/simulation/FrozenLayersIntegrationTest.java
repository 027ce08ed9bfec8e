package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.cohort.client.CoordinatorException;
import org.cohort.learning.model.FrozenLayers;
import org.cohort.learning.model.KerasImport;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Transfer learning on the four Heart Disease hospitals: the study supplies the Keras MLP and
 * freezes its hidden layer, under patient-level DP and secure aggregation. Every round's masked
 * uploads carry the output layer alone, the round history says how many bytes that saved, and
 * after the study the frozen weights are bit for bit those of the file while the output layer has
 * moved. Freezing that cannot be meant is refused at creation with a 400 that says why.
 */
class FrozenLayersIntegrationTest {
    static final int ROUNDS = 3;

    @Test
    void aFrozenHiddenLayerStaysAsSuppliedAndOnlyTheOutputLayerTravels(@TempDir Path dir) throws Exception {
        Path heart = TestFederation.sharedHeartDisease().orElse(null);
        Assumptions.assumeTrue(heart != null, "the Heart Disease files (shared/datasets/fed-heart-disease) are absent");
        byte[] file = Files.readAllBytes(KerasModelIntegrationTest.KERAS);
        String keras = Base64.getEncoder().encodeToString(file);
        var imported = KerasImport.read(file);
        var frozen = FrozenLayers.resolve(imported.spec(), List.of("hidden"));
        try (var fed = TestFederation.heartDisease(dir, heart)) {
            refused(
                    fed,
                    Map.of("keras", keras, "freeze", List.of("hiden")),
                    "model.freeze",
                    "'hiden' is not a layer",
                    "hidden",
                    "output");
            refused(
                    fed,
                    Map.of("keras", keras, "freeze", List.of("hidden", "output")),
                    "model.freeze",
                    "nothing to train");
            refused(
                    fed,
                    Map.of("preset", "mlp", "freeze", List.of("0")),
                    "model.freeze needs a supplied pretrained" + " model");
            assertThatThrownBy(() -> fed.createStudy(
                            ROUNDS,
                            4,
                            120,
                            Map.of(
                                    "model",
                                    Map.of("keras", keras, "freeze", List.of("hidden")),
                                    "strategy",
                                    "scaffold")))
                    .isInstanceOfSatisfying(
                            CoordinatorException.class,
                            e -> assertThat(e.getMessage())
                                    .contains("model.freeze cannot be used with strategy 'scaffold'"));

            var spec = new HashMap<String, Object>();
            spec.put("model", Map.of("keras", keras, "freeze", List.of("hidden")));
            spec.put("secureAggregation", Map.of("enabled", true, "clipRange", 4.0, "stageTimeoutSeconds", 30));
            spec.put(
                    "privacy",
                    PrivacySpec.patient(1.0)
                            .with("clipNorm", 1.0)
                            .with("delta", 1e-5)
                            .with("epsilonBudget", 100.0)
                            .with("accountant", "rdp")
                            .with("expectedBatchSize", 32)
                            .fields());
            spec.put("strategy", "fedavg");
            spec.put("plan", Map.of("localEpochs", 2, "batchSize", 32, "optimizer", "sgd", "learningRate", 0.2));
            String studyId = fed.createStudy(ROUNDS, 4, 180, spec);
            fed.startAgents(studyId, 4);
            JsonNode study = fed.startAndAwaitEnd(studyId, 4, Duration.ofMinutes(6));
            assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("COMPLETED");
            assertThat(study.get("currentVersion").asLong()).isEqualTo(1 + ROUNDS);

            float[] supplied = imported.parameters();
            float[] last = parameters(fed, studyId, 1 + ROUNDS, dir);
            assertThat(frozen.scatter(supplied, frozen.slice(last)))
                    .as("the frozen hidden layer is bit for bit the Keras file's")
                    .isEqualTo(last);
            assertThat(frozen.slice(last)).as("the output layer trained").isNotEqualTo(frozen.slice(supplied));

            int trainRounds = 0;
            for (JsonNode r : fed.api.studies().rounds(studyId)) {
                if (!r.get("kind").asString().equals("TRAIN")) {
                    continue;
                }
                trainRounds++;
                JsonNode upload = r.get("upload");
                assertThat(upload).as(r.toString()).isNotNull();
                assertThat(upload.get("updates").asInt()).isEqualTo(4);
                assertThat(upload.get("updateValues").asLong()).isEqualTo(frozen.trainableCount());
                long received = upload.get("bytesReceived").asLong();
                long full = upload.get("fullModelBytes").asLong();
                assertThat(received).isLessThan(full);
                assertThat(upload.get("bytesSaved").asLong()).isEqualTo(full - received);
                System.out.printf(
                        "frozen hidden layer, round %d: %d of %d parameters travel; %d sites sent %d B where the"
                                + " full model would be %d B (%.0f%% saved)%n",
                        r.get("roundNumber").asInt(),
                        frozen.trainableCount(),
                        frozen.total(),
                        upload.get("updates").asInt(),
                        received,
                        full,
                        100.0 * (full - received) / full);
            }
            assertThat(trainRounds).isEqualTo(ROUNDS);
        }
    }

    private static void refused(TestFederation fed, Map<String, Object> model, String... words) {
        assertThatThrownBy(() -> fed.createStudy(ROUNDS, 4, 120, Map.of("model", model)))
                .isInstanceOfSatisfying(CoordinatorException.class, e -> {
                    assertThat(e.status()).as(e.getMessage()).isEqualTo(400);
                    for (String w : words) {
                        assertThat(e.getMessage()).contains(w);
                    }
                });
    }

    private static float[] parameters(TestFederation fed, String studyId, long version, Path dir) throws Exception {
        Path f32 = dir.resolve("v" + version + ".f32");
        fed.api.studies().downloadParameters(studyId, version, f32);
        return org.cohort.learning.model.FloatVectors.fromLittleEndian(Files.readAllBytes(f32));
    }
}
