package org.cohort.learning.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * Small images whose class is a pattern's orientation, for tests, benchmarks and the demo: nothing
 * is downloaded. Class {@code k} of {@code K} is a sinusoidal grating at angle {@code k·π/K}, of a
 * random phase and a frequency between 1/6 and 1/3 cycles per pixel, plus Gaussian pixel noise; an
 * RGB image has a random tint that says nothing of the class. A linear model on the pixels does
 * little better than chance (the random phase averages every class to grey); a small CNN learns the
 * orientations within a few epochs.
 */
public final class SyntheticImages {
    /** Standard deviation of the pixel noise, on [0, 1]. */
    static final double NOISE = 0.12;

    private SyntheticImages() {}

    /** The declared format of these images: {@code side × side}, 0..1 scaled then centred on 0.5, no resizing. */
    public static ImageFormat format(int side, int channels, List<String> classes) {
        List<Double> half = java.util.Collections.nCopies(channels, 0.5);
        List<Double> quarter = java.util.Collections.nCopies(channels, 0.25);
        return new ImageFormat(side, side, channels, classes, ImageFormat.Resize.NONE, half, quarter);
    }

    /** Image {@code i} of class {@code label}, reproducible for {@code seed}. */
    public static BufferedImage image(int side, int channels, int label, int classes, long seed, int i) {
        var random = new Random(seed * 1_000_003L + i);
        double angle = Math.PI * label / classes;
        double frequency = 2 * Math.PI * (1.0 / 6 + random.nextDouble() / 6);
        double phase = 2 * Math.PI * random.nextDouble();
        double dx = Math.cos(angle);
        double dy = Math.sin(angle);
        double[] tint = {
            0.7 + 0.3 * random.nextDouble(), 0.7 + 0.3 * random.nextDouble(), 0.7 + 0.3 * random.nextDouble()
        };
        var image = new BufferedImage(
                side, side, channels == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
        var raster = image.getRaster();
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                double v = 0.5 + 0.35 * Math.sin(frequency * (x * dx + y * dy) + phase);
                if (channels == 1) {
                    raster.setSample(x, y, 0, level(v + NOISE * random.nextGaussian()));
                } else {
                    for (int c = 0; c < 3; c++) {
                        raster.setSample(x, y, c, level(tint[c] * v + NOISE * random.nextGaussian()));
                    }
                }
            }
        }
        return image;
    }

    private static int level(double v) {
        return (int) Math.round(255 * Math.min(1, Math.max(0, v)));
    }

    /**
     * Writes {@code images} PNG images to {@code root}, one folder per class, class {@code i mod K}
     * for the i-th image unless {@code skew} favours one class: with skew s in [0, 1), each image is of
     * class {@code favoured} with probability s, else of class {@code i mod K}.
     */
    public static void write(
            Path root, int images, int side, int channels, List<String> classes, long seed, int favoured, double skew)
            throws IOException {
        var random = new Random(seed);
        for (String c : classes) {
            Files.createDirectories(root.resolve(c));
        }
        for (int i = 0; i < images; i++) {
            int label = random.nextDouble() < skew ? favoured : i % classes.size();
            var image = image(side, channels, label, classes.size(), seed, i);
            Path file = root.resolve(classes.get(label)).resolve(String.format("img-%05d.png", i));
            if (!ImageIO.write(image, "png", file.toFile())) {
                throw new IOException("no PNG writer in this JDK");
            }
        }
    }

    /** {@code images} images encoded as {@link ImageFolderLoader} would load them from PNG files, class i mod K. */
    public static TabularDataset dataset(int images, ImageFormat format, long seed) {
        float[][] rows = new float[images][];
        int[] labels = new int[images];
        for (int i = 0; i < images; i++) {
            labels[i] = i % format.numClasses();
            try {
                rows[i] = ImageFolderLoader.encode(
                        image(format.height(), format.channels(), labels[i], format.numClasses(), seed, i),
                        format,
                        "generated " + i);
            } catch (ImageFolderLoader.BadImage e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        }
        return new TabularDataset(rows, labels, format.numClasses());
    }
}
