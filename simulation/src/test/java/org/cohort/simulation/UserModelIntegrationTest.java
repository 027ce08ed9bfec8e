package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.cohort.client.CoordinatorException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * A study that brings its own model: the README's ComputationGraph (a small MLP with a residual
 * ElementWiseVertex, {@code docs/models/heart-residual-mlp.json}) completes a federated run on the
 * four Heart Disease hospitals; every kind of unusable model is refused at creation with a 400 that
 * names the problem, before any site sees it.
 */
class UserModelIntegrationTest {
    static final int ROUNDS = 5;

    @Test
    void aStudyWithItsOwnComputationGraphTrainsOnHeartDisease(@TempDir Path dir) throws Exception {
        Path heart = TestFederation.sharedHeartDisease().orElse(null);
        Assumptions.assumeTrue(heart != null, "the Heart Disease files (shared/datasets/fed-heart-disease) are absent");
        String json = Files.readString(Path.of("..", "docs", "models", "heart-residual-mlp.json"));
        try (var fed = TestFederation.heartDisease(dir, heart)) {
            refusals(fed, json);

            JsonNode configuration = new ObjectMapper().readTree(json);
            String studyId = fed.createStudy(ROUNDS, 4, 120, Map.of("model", Map.of("configuration", configuration)));
            String stored = fed.api.studies().modelConfig(studyId);
            assertThat(stored).contains("ElementWiseVertex").contains("\"residual\"");
            fed.startAgents(studyId, 4);
            JsonNode study = fed.startAndAwaitEnd(studyId, 4, Duration.ofMinutes(4));
            assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("COMPLETED");
            assertThat(study.get("currentVersion").asLong()).isEqualTo(1 + ROUNDS);
            for (JsonNode r : fed.api.studies().rounds(studyId)) {
                assertThat(r.get("status").asString()).isEqualTo("COMPLETED");
            }
            double pooled = fed.finalEvaluation(studyId).get("pooledAccuracy").asDouble();
            System.out.printf("user ComputationGraph on Heart Disease: pooled test accuracy %.4f%n", pooled);
            assertThat(pooled).isGreaterThan(0.7);
        }
    }

    private static void refusals(TestFederation fed, String json) {
        refused(fed, Map.of("configuration", "{\"confs\": ["), "model.configuration", "not valid JSON");
        refused(
                fed,
                Map.of(
                        "configuration",
                        json.replace("org.deeplearning4j.nn.conf.layers.DenseLayer", "com.example.Gadget")),
                "names class 'com.example.Gadget', which is not a supported layer");
        refused(
                fed,
                Map.of(
                        "configuration",
                        json.replace(
                                "org.deeplearning4j.nn.conf.layers.DenseLayer",
                                "org.deeplearning4j.nn.conf.layers.LSTM")),
                "'org.deeplearning4j.nn.conf.layers.LSTM'");
        refused(
                fed,
                Map.of("configuration", json.replace("\"nin\" : 15", "\"nin\" : 13")),
                "takes 13 inputs, but dataset.features encode to 15");
        refused(
                fed,
                Map.of("configuration", json.replace("\"nout\" : 2", "\"nout\" : 3")),
                "predicts 3 classes, but the study's label is binary");
        String wide = json.replace("\"nout\" : 16", "\"nout\" : 10000").replace("\"nin\" : 16", "\"nin\" : 10000");
        refused(fed, Map.of("configuration", wide), "parameters, above this coordinator's limit of");
        String huge =
                json.replace("\"nout\" : 16", "\"nout\" : 1000000000").replace("\"nin\" : 16", "\"nin\" : 1000000000");
        refused(fed, Map.of("configuration", huge), "far above any limit");
        refused(
                fed,
                Map.of("configuration", json, "preset", "mlp"),
                "model.preset and model.configuration are exclusive");
        // Under patient-level DP a layer whose gradients DP-SGD cannot bound per example is refused.
        String normalised = json.replaceFirst(
                "\"gradientNormalization\" : \"None\"", "\"gradientNormalization\" : \"ClipL2PerLayer\"");
        var spec = new java.util.HashMap<String, Object>();
        spec.put("model", Map.of("configuration", normalised));
        spec.put(
                "privacy",
                Map.of(
                        "mode",
                        "patient",
                        "clipNorm",
                        1.0,
                        "noiseMultiplier",
                        1.1,
                        "delta",
                        1e-5,
                        "epsilonBudget",
                        1.0));
        refusedSpec(fed, spec, "model.configuration cannot train under patient-level DP", "gradient normalisation");
    }

    private static void refused(TestFederation fed, Map<String, Object> model, String... words) {
        refusedSpec(fed, Map.of("model", model), words);
    }

    private static void refusedSpec(TestFederation fed, Map<String, Object> extra, String... words) {
        assertThatThrownBy(() -> fed.createStudy(ROUNDS, 4, 120, extra))
                .isInstanceOfSatisfying(CoordinatorException.class, e -> {
                    assertThat(e.status()).as(e.getMessage()).isEqualTo(400);
                    for (String w : words) {
                        assertThat(e.getMessage()).contains(w);
                    }
                });
    }
}
