package org.cohort.coordinator.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.cohort.coordinator.round.TaskFactory;
import org.junit.jupiter.api.Test;

/** An image-folder study: validated, sized and described to sites with one output per declared class. */
class ImageStudySpecTest {
    static final List<String> CLASSES = List.of("a", "b", "c");

    private static StudySpec spec(StudySpec.Image image) {
        return new StudySpec(
                null,
                new StudySpec.Model("mlp", List.of(4), 1L),
                null,
                new StudySpec.Dataset("image-folder", null, null, null, null, null, null, null, image),
                3,
                2,
                null,
                null,
                null,
                null,
                null,
                null);
    }

    @Test
    void aPresetOverImagesHasOneOutputPerClassAndSitesGetTheDeclaration() {
        var spec = spec(new StudySpec.Image(8, 6, 3, CLASSES, null, List.of(0.5, 0.5, 0.5), null))
                .validate()
                .withDefaults();
        assertThat(spec.dataset().numClasses()).isEqualTo(3);
        assertThat(ModelSize.inputs(spec)).isEqualTo(144);
        long built = LearningBridge.initialParameters(LearningBridge.configJson(spec, 144), 1).length;
        assertThat(built).isEqualTo((144 + 1) * 4 + (4 + 1) * 3);
        assertThat(ModelSize.of(spec, Long.MAX_VALUE).parameters()).isEqualTo(built);

        var wire = TaskFactory.dataset(spec.dataset());
        assertThat(wire.getFormat()).isEqualTo("image-folder");
        assertThat(wire.getLabelColumn()).isEmpty();
        assertThat(wire.getImage().getClassesList()).containsExactlyElementsOf(CLASSES);
        assertThat(wire.getImage().getResize()).isEqualTo("none");
        assertThat(wire.getImage().getMeanList()).containsExactly(0.5, 0.5, 0.5);
        assertThat(wire.getImage().getStdList()).containsExactly(1.0, 1.0, 1.0);
    }

    @Test
    void anIncompleteOrImpossibleDeclarationIsRefusedInWords() {
        assertThatThrownBy(() -> spec(null).validate())
                .isInstanceOf(InvalidStudyException.class)
                .hasMessageContaining("dataset.image must declare the images");
        assertThatThrownBy(() -> spec(new StudySpec.Image(8, null, 1, CLASSES, null, null, null))
                        .validate())
                .hasMessageContaining("dataset.image.height and dataset.image.width must give the size");
        assertThatThrownBy(() -> spec(new StudySpec.Image(5000, 8, 4, List.of("a", "a"), "crop", List.of(0.0), null))
                        .validate())
                .hasMessageContaining("height and width must be between 1 and 4096")
                .hasMessageContaining("channels must be 1 (grayscale) or 3 (RGB), got 4")
                .hasMessageContaining("classes must be distinct")
                .hasMessageContaining("resize must be 'none' or 'stretch', got 'crop'")
                .hasMessageContaining("mean must give one finite number per channel (4)");
    }

    @Test
    void imagesGroupedByPatientCarryTheSeparatorAndAPatternIsRefused() {
        var grouped = spec(new StudySpec.Image(8, 6, 1, CLASSES, null, null, null, "_"))
                .validate()
                .withDefaults();
        assertThat(TaskFactory.dataset(grouped.dataset()).getImage().getPatientIdSeparator())
                .isEqualTo("_");
        var perImage = spec(new StudySpec.Image(8, 6, 1, CLASSES, null, null, null))
                .validate()
                .withDefaults();
        assertThat(TaskFactory.dataset(perImage.dataset()).getImage().getPatientIdSeparator())
                .isEmpty();
        assertThatThrownBy(() -> spec(new StudySpec.Image(8, 6, 1, CLASSES, null, null, null, "(a+)+$"))
                        .validate())
                .isInstanceOf(InvalidStudyException.class)
                .hasMessageContaining("dataset.image.patientIdSeparator must be one character of _ - . +");
    }
}
