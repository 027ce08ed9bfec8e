package org.cohort.coordinator.study;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import org.cohort.learning.model.KerasImport;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.StringNode;

/**
 * A study whose model is a Keras file ({@code model.keras}): checked against the dataset like a
 * DL4J configuration, sized from the imported configuration, and started from the file's weights.
 */
class KerasStudyTest {
    static final Path KERAS = Path.of("..", "docs", "models", "heart-mlp-keras.h5");

    private static StudySpec spec(String keras, tools.jackson.databind.JsonNode configuration, int features) {
        var columns = new ArrayList<StudySpec.Feature>();
        for (int i = 0; i < features; i++) {
            columns.add(new StudySpec.Feature("x" + i, 0.0, 1.0, null));
        }
        return new StudySpec(
                null,
                new StudySpec.Model(null, null, 3L, configuration, keras),
                null,
                new StudySpec.Dataset("csv", columns, "outcome", null, null, null),
                3,
                2,
                null,
                null,
                null,
                null,
                null,
                null);
    }

    private static String keras() throws Exception {
        return Base64.getEncoder().encodeToString(Files.readAllBytes(KERAS));
    }

    @Test
    void aKerasStudyStartsFromTheFilesWeights() throws Exception {
        var spec = spec(keras(), null, 15).validate().withDefaults();
        assertThat(spec.model().preset()).isEqualTo(StudySpec.Model.CUSTOM);
        assertThat(ModelSize.of(spec, Long.MAX_VALUE).parameters()).isEqualTo(290);
        String config = LearningBridge.configJson(spec, 15);
        float[] initial = LearningBridge.initialParameters(spec, config);
        assertThat(initial)
                .containsExactly(KerasImport.read(Files.readAllBytes(KERAS)).parameters());
        // Not a seeded draw: another model.seed gives the same version 1.
        assertThat(LearningBridge.initialParameters(config, 3)).isNotEqualTo(initial);
    }

    @Test
    void aKerasModelThatDoesNotFitTheDatasetIsRefusedNamingTheField() throws Exception {
        assertThat(StudySpecTest.problems(spec(keras(), null, 13)))
                .singleElement()
                .asString()
                .contains("model.keras takes 15 inputs, but dataset.features encode to 13");
    }

    @Test
    void kerasAndAConfigurationTogetherAreRefused() throws Exception {
        assertThat(StudySpecTest.problems(spec(keras(), StringNode.valueOf("{}"), 15)))
                .singleElement()
                .asString()
                .contains("model.keras and model.configuration are exclusive");
    }

    @Test
    void textThatIsNotBase64OrNotHdf5IsRefused() {
        assertThat(StudySpecTest.problems(spec("*not base64*", null, 15)))
                .singleElement()
                .asString()
                .startsWith("model.keras: not base64; send the Keras HDF5 file's bytes in base64");
        assertThat(StudySpecTest.problems(spec(Base64.getEncoder().encodeToString("{}".getBytes()), null, 15)))
                .singleElement()
                .asString()
                .startsWith("model.keras: not an HDF5 file");
    }
}
