package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.cohort.client.CoordinatorException;
import org.cohort.learning.model.KerasImport;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * A study that brings a Keras model: {@code docs/models/heart-mlp-keras.h5} (written by {@code
 * scripts/keras-fixture.py}, no Keras needed) travels base64 in {@code model.keras}, becomes the
 * DL4J configuration sites train with the file's weights as version 1, and completes a federated run
 * on the four Heart Disease hospitals; files that cannot be used are refused at creation with a 400.
 */
class KerasModelIntegrationTest {
    static final int ROUNDS = 5;
    static final Path KERAS = Path.of("..", "docs", "models", "heart-mlp-keras.h5");

    @Test
    void aStudyWithAKerasFileTrainsOnHeartDisease(@TempDir Path dir) throws Exception {
        Path heart = TestFederation.sharedHeartDisease().orElse(null);
        Assumptions.assumeTrue(heart != null, "the Heart Disease files (shared/datasets/fed-heart-disease) are absent");
        byte[] file = Files.readAllBytes(KERAS);
        String keras = Base64.getEncoder().encodeToString(file);
        try (var fed = TestFederation.heartDisease(dir, heart)) {
            refused(
                    fed,
                    Map.of("keras", Base64.getEncoder().encodeToString("not hdf5".getBytes())),
                    "model.keras",
                    "not an HDF5 file");
            refused(fed, Map.of("keras", "%%% not base64"), "model.keras: not base64");
            refused(fed, Map.of("keras", base64("no-weights.h5")), "model.keras", "no 'model_weights' group");
            refused(
                    fed,
                    Map.of("keras", base64("batch-norm.h5")),
                    "model.keras",
                    "the site trainer cannot run it",
                    "BatchNormalization");
            refused(
                    fed,
                    Map.of("keras", keras, "configuration", "{}"),
                    "model.keras and model.configuration are exclusive");

            String studyId = fed.createStudy(ROUNDS, 4, 120, Map.of("model", Map.of("keras", keras)));
            // Version 1 is the Keras file's weights, not a seeded draw.
            float[] pretrained = KerasImport.read(file).parameters();
            assertThat(parameters(fed, studyId, 1, dir)).containsExactly(pretrained);
            assertThat(fed.api.studies().modelConfig(studyId)).contains("\"layerName\" : \"hidden\"");

            fed.startAgents(studyId, 4);
            JsonNode study = fed.startAndAwaitEnd(studyId, 4, Duration.ofMinutes(4));
            assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("COMPLETED");
            assertThat(study.get("currentVersion").asLong()).isEqualTo(1 + ROUNDS);
            double pooled = fed.finalEvaluation(studyId).get("pooledAccuracy").asDouble();
            System.out.printf("Keras MLP on Heart Disease: pooled test accuracy %.4f%n", pooled);
            assertThat(pooled).isGreaterThan(0.7);
            assertThat(parameters(fed, studyId, 1 + ROUNDS, dir)).hasSameSizeAs(pretrained);
        }
    }

    private static String base64(String resource) throws Exception {
        return Base64.getEncoder()
                .encodeToString(
                        Files.readAllBytes(Path.of("..", "learning", "src", "test", "resources", "keras", resource)));
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
