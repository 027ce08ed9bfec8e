package org.cohort.learning.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImagePatientsTest {
    private static final ImageFormat FORMAT = new ImageFormat(
            2, 2, 1, ImageFolderLoaderTest.CLASSES, ImageFormat.Resize.NONE, List.of(0.0), List.of(1.0));

    @Test
    void thePatientIdIsTheFileNameUpToTheFirstSeparator() {
        var patients = ImagePatients.of("_");
        assertThat(patients.grouped()).isTrue();
        assertThat(patients.keyOf("cat", "P0012_left_2.png")).isEqualTo("P0012");
        assertThat(ImagePatients.of("-").keyOf("dog", "A-7-b.jpg")).isEqualTo("A");
        assertThat(ImagePatients.of("").grouped()).isFalse();
        assertThat(ImagePatients.perImage().keyOf("cat", "P0012_left.png")).isEqualTo("cat/P0012_left.png");
    }

    @Test
    void aNameWithoutAPatientIdIsRefusedSayingWhatToDo() {
        var patients = ImagePatients.of("_");
        assertThatThrownBy(() -> patients.keyOf("cat", "left.png"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cat/left.png has no patient id")
                .hasMessageContaining("rename the file");
        assertThatThrownBy(() -> patients.keyOf("cat", "_left.png")).hasMessageContaining("has no patient id");
    }

    @Test
    void onlyPlainPunctuationIsASeparatorNeverAPattern() {
        for (String bad : List.of("__", "(.*)+$", "/", "a", "\\")) {
            assertThat(ImagePatients.problem(bad))
                    .as(bad)
                    .hasValueSatisfying(p -> assertThat(p).contains("patientIdSeparator must be one character"));
            assertThatThrownBy(() -> new ImagePatients(bad)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(ImagePatients.problem(null)).isEmpty();
        assertThat(ImagePatients.problem(".")).isEmpty();
    }

    @Test
    void aPatientsImagesShareOneKeySoTheyShareASideOfTheSplit(@TempDir Path dir) throws Exception {
        images(dir, "cat/P1_a.png", "dog/P1_b.png", "dog/P2_a.png");

        LoadedTable table = ImageFolderLoader.load(dir, FORMAT, ImagePatients.of("_"));

        assertThat(table.patientIds()).containsExactly("P1", "P1", "P2");
        var key = SplitKey.of(new byte[32]);
        boolean patientsEverParted = false;
        for (long salt = 0; salt < 40; salt++) {
            var rule = new SplitRule.Keyed(key, 0.5, salt);
            boolean first = rule.inTest(table.rowKeys(), table.dataset(), 0);
            assertThat(rule.inTest(table.rowKeys(), table.dataset(), 1))
                    .as("P1's second image, salt " + salt)
                    .isEqualTo(first);
            patientsEverParted |= rule.inTest(table.rowKeys(), table.dataset(), 2) != first;
        }
        assertThat(patientsEverParted)
                .as("different patients land on different sides")
                .isTrue();
    }

    @Test
    void anImageWithoutAPatientIdIsListedAmongTheFoldersProblems(@TempDir Path dir) throws Exception {
        images(dir, "cat/P1_a.png", "dog/scan.png");

        assertThatThrownBy(() -> ImageFolderLoader.load(dir, FORMAT, ImagePatients.of("_")))
                .isInstanceOf(ImageFolderException.class)
                .hasMessageContaining("dog/scan.png has no patient id");
    }

    /** Blank 2×2 grey images at {@code files} ({@code class/name}) under {@code dir}, both class folders made. */
    private static void images(Path dir, String... files) throws Exception {
        Files.createDirectories(dir.resolve("cat"));
        Files.createDirectories(dir.resolve("dog"));
        var image = new BufferedImage(2, 2, BufferedImage.TYPE_BYTE_GRAY);
        for (String file : files) {
            ImageFolderLoaderTest.png(image, dir.resolve(file));
        }
    }
}
