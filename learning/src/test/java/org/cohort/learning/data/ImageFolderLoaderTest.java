package org.cohort.learning.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderLoaderTest {
    static final List<String> CLASSES = List.of("cat", "dog");

    @Test
    void loadsEveryImageAsARowOfDeclaredValuesClassByClass(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("cat"));
        Files.createDirectories(dir.resolve("dog"));
        var grey = new BufferedImage(4, 3, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSample(1, 2, 0, 255);
        png(grey, dir.resolve("dog/b.png"));
        png(new BufferedImage(4, 3, BufferedImage.TYPE_BYTE_GRAY), dir.resolve("cat/a.PNG"));
        Files.writeString(dir.resolve(".DS_Store"), "ignored");
        Files.writeString(dir.resolve("cat/.hidden"), "ignored");
        var format = new ImageFormat(3, 4, 1, CLASSES, ImageFormat.Resize.NONE, List.of(0.5), List.of(0.25));

        LoadedTable table = ImageFolderLoader.load(dir, format);

        assertThat(table.dataset().size()).isEqualTo(2);
        assertThat(table.dataset().numFeatures()).isEqualTo(12);
        assertThat(table.dataset().numClasses()).isEqualTo(2);
        assertThat(table.dataset().labels()).containsExactly(0, 1);
        assertThat(table.patientIds()).containsExactly("cat/a.PNG", "dog/b.png");
        float[] dog = table.dataset().features()[1];
        assertThat(dog[2 * 4 + 1]).isEqualTo(2f); // (1 - 0.5) / 0.25, row 2, column 1
        assertThat(dog[0]).isEqualTo(-2f); // (0 - 0.5) / 0.25
    }

    @Test
    void rgbImagesAreLaidOutChannelByChannelAndStretchedWhenAsked(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("cat"));
        Files.createDirectories(dir.resolve("dog"));
        var red = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                red.setRGB(x, y, 0xff0000);
            }
        }
        png(red, dir.resolve("cat/red.png"));
        var zeros = List.of(0.0, 0.0, 0.0);
        var ones = List.of(1.0, 1.0, 1.0);
        var none = new ImageFormat(4, 4, 3, CLASSES, ImageFormat.Resize.NONE, zeros, ones);
        assertThatThrownBy(() -> ImageFolderLoader.load(dir, none))
                .isInstanceOf(ImageFolderException.class)
                .hasMessageContaining("cat/red.png is 8×8 pixels where the study declares 4×4 and resize 'none'");

        var stretch = new ImageFormat(4, 4, 3, CLASSES, ImageFormat.Resize.STRETCH, zeros, ones);
        float[] row = ImageFolderLoader.load(dir, stretch).dataset().features()[0];
        // JPEG reads the same way (lossy, so only about the same values).
        var jpeg = new ByteArrayOutputStream();
        assertThat(ImageIO.write(red, "jpeg", jpeg)).isTrue();
        Files.write(dir.resolve("dog/red.jpg"), jpeg.toByteArray());
        var both = ImageFolderLoader.load(dir, stretch);
        assertThat(both.patientIds()).containsExactly("cat/red.png", "dog/red.jpg");
        assertThat(both.dataset().features()[1][5]).isGreaterThan(0.9f);
        assertThat(both.dataset().features()[1][16 + 5]).isLessThan(0.1f);
        assertThat(row).hasSize(48);
        for (int i = 0; i < 16; i++) {
            assertThat(row[i]).isEqualTo(1f); // red plane
            assertThat(row[16 + i]).isEqualTo(0f);
            assertThat(row[32 + i]).isEqualTo(0f);
        }
    }

    @Test
    void everyProblemIsListedAndNothingIsSkippedSilently(@TempDir Path dir) throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.createDirectories(data.resolve("cat/nested"));
        Files.createDirectories(data.resolve("bird"));
        png(new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY), data.resolve("cat/good.png"));
        png(new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB), data.resolve("cat/colour.png"));
        byte[] good = pngBytes(new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY));
        Files.write(data.resolve("cat/truncated.png"), java.util.Arrays.copyOf(good, good.length / 2));
        Files.writeString(data.resolve("cat/notes.png"), "not an image at all");
        Files.writeString(data.resolve("cat/notes.txt"), "hello");
        Files.writeString(data.resolve("stray.png"), "x");
        Path secret = Files.writeString(dir.resolve("outside.png"), "x");
        Files.createSymbolicLink(data.resolve("cat/link.png"), secret);
        Files.createSymbolicLink(data.resolve("cat/twice.png"), data.resolve("cat/good.png"));
        var format = new ImageFormat(4, 4, 1, CLASSES, ImageFormat.Resize.NONE, List.of(0.0), List.of(1.0));

        assertThatThrownBy(() -> ImageFolderLoader.load(data, format))
                .isInstanceOfSatisfying(
                        ImageFolderException.class,
                        e -> assertThat(e.problems())
                                .anySatisfy(
                                        p -> assertThat(p).contains("folder 'bird' is not one of the study's classes"))
                                .anySatisfy(p -> assertThat(p).contains("class 'dog' has no folder 'dog'"))
                                .anySatisfy(
                                        p -> assertThat(p).contains("stray.png is a file in the data folder itself"))
                                .anySatisfy(p -> assertThat(p).contains("cat/nested is a folder"))
                                .anySatisfy(p -> assertThat(p).contains("cat/notes.txt is not a PNG or JPEG file"))
                                .anySatisfy(p -> assertThat(p).contains("cat/notes.png is not a PNG or JPEG image"))
                                .anySatisfy(p -> assertThat(p).contains("cat/truncated.png cannot be decoded"))
                                .anySatisfy(p -> assertThat(p).contains("cat/link.png is a link that leads outside"))
                                .anySatisfy(p -> assertThat(p)
                                        .contains("cat/colour.png has 3 colour channels where the study declares 1"))
                                .anySatisfy(
                                        p -> assertThat(p).contains("cat/twice.png is the same file as cat/good.png"))
                                .hasSize(10));
        // The agent's check lists what no declaration could make right.
        var survey = ImageFolderLoader.survey(data);
        assertThat(survey.images()).containsEntry("cat", 2).containsEntry("bird", 0);
        assertThat(survey.channels()).containsExactly(1, 3);
        assertThat(survey.problems()).hasSize(7);
    }

    @Test
    void aHugeImageIsRefusedFromItsHeaderBeforeItIsDecoded(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("cat"));
        Files.createDirectories(dir.resolve("dog"));
        byte[] bytes = pngBytes(new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY));
        // IHDR follows the 8-byte signature and the chunk's length and type: width, height, then its CRC.
        var buffer = ByteBuffer.wrap(bytes);
        buffer.putInt(16, 100_000).putInt(20, 100_000);
        var crc = new CRC32();
        crc.update(bytes, 12, 17);
        buffer.putInt(29, (int) crc.getValue());
        Files.write(dir.resolve("cat/bomb.png"), bytes);
        var format = new ImageFormat(4, 4, 1, CLASSES, ImageFormat.Resize.STRETCH, List.of(0.0), List.of(1.0));

        assertThatThrownBy(() -> ImageFolderLoader.load(dir, format))
                .isInstanceOf(ImageFolderException.class)
                .hasMessageContaining("cat/bomb.png is 100000×100000 pixels")
                .hasMessageContaining("checked before decoding");
    }

    @Test
    void aMissingFolderAndABadDeclarationAreRefusedInWords(@TempDir Path dir) {
        var format = new ImageFormat(4, 4, 1, CLASSES, ImageFormat.Resize.NONE, List.of(0.0), List.of(1.0));
        assertThatThrownBy(() -> ImageFolderLoader.load(dir.resolve("absent"), format))
                .isInstanceOf(ImageFolderException.class)
                .hasMessageContaining("does not exist or is not a folder");
        assertThat(ImageFormat.problems(0, 4, 2, List.of("a"), List.of(0.0), List.of(0.0)))
                .anySatisfy(p -> assertThat(p).contains("height and width must be between 1 and 4096"))
                .anySatisfy(p -> assertThat(p).contains("channels must be 1 (grayscale) or 3 (RGB), got 2"))
                .anySatisfy(p -> assertThat(p).contains("classes must name between 2 and"))
                .anySatisfy(p -> assertThat(p).contains("mean must give one finite number per channel (2)"))
                .anySatisfy(p -> assertThat(p).contains("std must give one finite positive number per channel"));
        assertThat(ImageFormat.problems(4, 4, 1, List.of("../up", "ok"), List.of(0.0), List.of(1.0)))
                .anySatisfy(p -> assertThat(p).contains("class '../up' is not a plain folder name"));
    }

    @Test
    void generatedImagesLoadBackAsTheyWereEncoded(@TempDir Path dir) throws Exception {
        var classes = List.of("h", "d", "v");
        var format = SyntheticImages.format(12, 3, classes);
        SyntheticImages.write(dir, 9, 12, 3, classes, 5, 0, 0);
        var table = ImageFolderLoader.load(dir, format);
        assertThat(table.dataset().size()).isEqualTo(9);
        assertThat(table.dataset().classCounts()).containsExactly(3, 3, 3);
        var direct = SyntheticImages.dataset(9, format, 5);
        // Same image 0 (class h), through PNG and in memory.
        assertThat(table.dataset().features()[0]).containsExactly(direct.features()[0]);
    }

    static void png(BufferedImage image, Path file) throws Exception {
        Files.write(file, pngBytes(image));
    }

    static byte[] pngBytes(BufferedImage image) throws Exception {
        var out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }
}
