package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.cohort.client.CoordinatorException;
import org.cohort.learning.data.SyntheticImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * A CNN study on image folders: three hospitals, each with its own folder of 16×16 grayscale PNG
 * images written here (one folder per class, the class being a grating's orientation, each site
 * favouring another class), train the README's residual CNN ({@code docs/models/image-residual-cnn.json})
 * through the real coordinator and agents, in clear and under patient-level DP-SGD, to an accuracy
 * well above chance (1/3). Image declarations that cannot work are refused at creation.
 */
class ImageStudyIntegrationTest {
    static final List<String> CLASSES = List.of("angle-0", "angle-60", "angle-120");
    static final int SITES = 3;
    static final int IMAGES_PER_SITE = 240;
    static final int SIDE = 16;
    static final int ROUNDS = 6;

    @Test
    void aResidualCnnLearnsFromImageFoldersInClearAndUnderPatientLevelDp(@TempDir Path dir) throws Exception {
        var sites = new ArrayList<DemoData.Site>();
        for (int i = 0; i < SITES; i++) {
            Path folder = dir.resolve("data").resolve("hospital-" + (i + 1));
            SyntheticImages.write(folder, IMAGES_PER_SITE, SIDE, 1, CLASSES, 100 + i, i, 0.4);
            sites.add(new DemoData.Site("hospital-" + (i + 1), folder));
        }
        String json = Files.readString(Path.of("..", "docs", "models", "image-residual-cnn.json"));
        JsonNode cnn = new ObjectMapper().readTree(json);
        try (var fed = TestFederation.withSites(dir, sites)) {
            refusals(fed, cnn);

            String plain =
                    fed.api.studies().create(spec(cnn, null)).get("studyId").asString();
            var dp = PrivacySpec.patient(1.0)
                    .with("clipNorm", 1.0)
                    .with("delta", 1e-5)
                    .with("epsilonBudget", 50.0)
                    .with("expectedBatchSize", 32)
                    .fields();
            String priv = fed.api.studies().create(spec(cnn, dp)).get("studyId").asString();
            for (int i = 0; i < SITES; i++) {
                fed.startAgent(i, java.util.Set.of(plain, priv), null, null);
            }

            double clear = run(fed, plain, "in clear");
            assertThat(clear).isGreaterThan(0.8);
            double privately = run(fed, priv, "patient-level DP-SGD");
            assertThat(privately).isGreaterThan(0.55);
            assertThat(fed.finalEvaluation(priv).get("release").asString()).contains("discrete Gaussian noise");
        }
    }

    private static double run(TestFederation fed, String studyId, String what) throws Exception {
        long start = System.nanoTime();
        JsonNode study = fed.startAndAwaitEnd(studyId, SITES, Duration.ofMinutes(5));
        assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("COMPLETED");
        assertThat(study.get("currentVersion").asLong()).isEqualTo(1 + ROUNDS);
        JsonNode evaluation = fed.finalEvaluation(studyId);
        double pooled = evaluation.get("pooledAccuracy").asDouble();
        System.out.printf(
                "residual CNN on image folders, %s: pooled test accuracy %.4f over %d images (chance 1/3), %d s%n",
                what, pooled, evaluation.get("examples").asLong(), (System.nanoTime() - start) / 1_000_000_000L);
        return pooled;
    }

    static Map<String, Object> spec(JsonNode cnn, Map<String, Object> privacy) {
        var spec = new HashMap<String, Object>();
        spec.put("name", privacy == null ? "images" : "images-dp");
        spec.put("model", Map.of("configuration", cnn, "seed", 42));
        spec.put("plan", Map.of("localEpochs", 2, "batchSize", 16, "optimizer", "adam", "learningRate", 0.003));
        spec.put("dataset", dataset(image(1, CLASSES)));
        spec.put("rounds", ROUNDS);
        spec.put("minSites", SITES);
        spec.put("roundTimeoutSeconds", 180);
        if (privacy != null) {
            spec.put("privacy", privacy);
        }
        return spec;
    }

    static Map<String, Object> dataset(Map<String, Object> image) {
        return Map.of("format", "image-folder", "testFraction", 0.25, "splitSeed", 9, "image", image);
    }

    static Map<String, Object> image(int channels, List<String> classes) {
        return Map.of(
                "height",
                SIDE,
                "width",
                SIDE,
                "channels",
                channels,
                "classes",
                classes,
                "resize",
                "none",
                "mean",
                java.util.Collections.nCopies(channels, 0.5),
                "std",
                java.util.Collections.nCopies(channels, 0.25));
    }

    private static void refusals(TestFederation fed, JsonNode cnn) {
        refused(
                fed,
                cnn,
                Map.of("dataset", dataset(image(3, CLASSES))),
                "takes 256 inputs, but dataset.image is 3 × 16 × 16");
        refused(
                fed,
                cnn,
                Map.of("dataset", dataset(image(1, List.of("a", "b")))),
                "predicts 3 classes, but dataset.image declares 2 [a, b]");
        var noImage = new HashMap<String, Object>();
        noImage.put("format", "image-folder");
        refused(fed, cnn, Map.of("dataset", noImage), "dataset.image must declare the images");
        var bad = new HashMap<>(image(2, List.of("../x", "y")));
        bad.put("resize", "crop");
        refused(
                fed,
                cnn,
                Map.of("dataset", dataset(bad)),
                "channels must be 1 (grayscale) or 3 (RGB), got 2",
                "class '../x' is not a plain folder name",
                "resize must be 'none' or 'stretch', got 'crop'");
        var withColumns = new HashMap<>(dataset(image(1, CLASSES)));
        withColumns.put("labelColumn", "y");
        refused(fed, cnn, Map.of("dataset", withColumns), "an image-folder dataset has no columns");
    }

    private static void refused(TestFederation fed, JsonNode cnn, Map<String, Object> change, String... words) {
        var spec = spec(cnn, null);
        spec.putAll(change);
        assertThatThrownBy(() -> fed.api.studies().create(spec))
                .isInstanceOfSatisfying(CoordinatorException.class, e -> {
                    assertThat(e.status()).as(e.getMessage()).isEqualTo(400);
                    for (String w : words) {
                        assertThat(e.getMessage()).contains(w);
                    }
                });
    }
}
