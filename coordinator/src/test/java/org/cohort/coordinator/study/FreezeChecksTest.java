package org.cohort.coordinator.study;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.cohort.learning.model.KerasImport;
import org.junit.jupiter.api.Test;

/**
 * {@code model.freeze} is checked at creation: each kind of mistake is refused in words that say
 * what to change, and the positions a study's stored configuration resolves to are the ones the
 * sites compute from the same configuration.
 */
class FreezeChecksTest {

    private static StudySpec spec(String keras, List<String> freeze, String strategy) {
        var columns = new ArrayList<StudySpec.Feature>();
        for (int i = 0; i < 15; i++) {
            columns.add(new StudySpec.Feature("x" + i, 0.0, 1.0, null));
        }
        return new StudySpec(
                null,
                new StudySpec.Model(keras == null ? "mlp" : null, null, 3L, null, keras, freeze),
                null,
                new StudySpec.Dataset("csv", columns, "outcome", null, null, null),
                3,
                2,
                null,
                null,
                strategy,
                null,
                null,
                null);
    }

    private static String keras() throws Exception {
        return Base64.getEncoder().encodeToString(Files.readAllBytes(KerasStudyTest.KERAS));
    }

    @Test
    void freezingTheHiddenLayerOfASuppliedModelIsAccepted() throws Exception {
        assertThat(FreezeChecks.problems(spec(keras(), List.of("hidden"), "fedavg")))
                .isEmpty();
        assertThat(FreezeChecks.problems(spec(keras(), List.of(), "fedavg"))).isEmpty();
        assertThat(FreezeChecks.problems(spec(keras(), null, "scaffold"))).isEmpty();
    }

    @Test
    void anUnknownLayerIsRefusedListingTheLayersThereAre() throws Exception {
        assertThat(FreezeChecks.problems(spec(keras(), List.of("hiden"), "fedavg")))
                .singleElement()
                .asString()
                .startsWith("model.freeze: frozen layer 'hiden' is not a layer of the model")
                .contains("[hidden, output]");
    }

    @Test
    void freezingEveryLayerIsRefused() throws Exception {
        assertThat(FreezeChecks.problems(spec(keras(), List.of("hidden", "output"), "fedavg")))
                .singleElement()
                .asString()
                .contains("nothing to train");
    }

    @Test
    void freezingWithoutSuppliedWeightsIsRefused() {
        assertThat(FreezeChecks.problems(spec(null, List.of("0"), "fedavg")))
                .singleElement()
                .asString()
                .startsWith("model.freeze needs a supplied pretrained model (model.keras")
                .contains("random");
    }

    @Test
    void scaffoldWithFrozenLayersIsRefusedSayingWhy() throws Exception {
        assertThat(FreezeChecks.problems(spec(keras(), List.of("hidden"), "scaffold")))
                .singleElement()
                .asString()
                .contains("'scaffold'")
                .contains("span every parameter");
    }

    @Test
    void anEmptyEntryIsRefused() throws Exception {
        var freeze = new ArrayList<String>();
        freeze.add(" ");
        assertThat(FreezeChecks.problems(spec(keras(), freeze, "fedavg")))
                .singleElement()
                .asString()
                .contains("empty entry");
    }

    @Test
    void theStoredConfigurationResolvesToTheSitesPositions() throws Exception {
        var spec = spec(keras(), List.of("hidden"), "fedavg").validate().withDefaults();
        String config = LearningBridge.configJson(spec, 15);
        var study = new Study(
                "st-frozen",
                spec,
                config,
                StudyStatus.CREATED,
                "",
                1,
                0,
                java.time.Instant.EPOCH,
                java.time.Instant.EPOCH);
        var frozen = TrainableParameters.frozen(study).orElseThrow();
        // The Heart MLP: 15×16 + 16 hidden parameters keep the file's values; the 16×2 + 2 of the output travel.
        assertThat(frozen.total()).isEqualTo(290);
        assertThat(frozen.trainableCount()).isEqualTo(34);
        assertThat(TrainableParameters.updateLength(study, 290)).isEqualTo(34);
        var sites = org.cohort.learning.model.FrozenLayers.resolve(
                new org.cohort.learning.model.ModelSpec(config), List.of("hidden"));
        assertThat(sites.trainable()).usingRecursiveComparison().isEqualTo(frozen.trainable());
        float[] weights =
                KerasImport.read(Files.readAllBytes(KerasStudyTest.KERAS)).parameters();
        assertThat(frozen.slice(weights)).containsExactly(java.util.Arrays.copyOfRange(weights, 256, 290));
    }
}
