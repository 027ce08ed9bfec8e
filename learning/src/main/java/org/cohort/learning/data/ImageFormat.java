package org.cohort.learning.data;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What a study declares about its image folders: the shape every image is brought to, the classes
 * (one folder each, named exactly as the class, in this order: the class index is the position),
 * how an image of another size is resized, and the normalisation of each channel. Every constant is
 * declared by the study, none is computed from a site's images, so the preprocessing of one image
 * never depends on another (what a differentially private study needs).
 *
 * <p>An image becomes a row of {@code channels × height × width} values, channel by channel, each
 * channel row by row (the layout DL4J's {@code InputType.convolutionalFlat(height, width, channels)}
 * reads): {@code (sample / maxSample − mean[c]) / std[c]}, where a sample is in {@code [0, maxSample]}
 * (255 for 8-bit images).
 *
 * @param height image height in pixels after resizing
 * @param width image width in pixels after resizing
 * @param channels 1 (grayscale) or 3 (RGB); an image with another number of colour channels is refused
 * @param classes the class names, also the names of the class folders
 * @param resize how an image whose size differs is brought to {@code height × width}
 * @param mean per channel, subtracted from the sample scaled to [0, 1]
 * @param std per channel, divides the result; positive
 */
public record ImageFormat(
        int height, int width, int channels, List<String> classes, Resize resize, List<Double> mean, List<Double> std) {

    /** Largest declared side. */
    public static final int MAX_SIDE = 4096;
    /** Most values one image may become ({@code channels × height × width}). */
    public static final int MAX_VALUES = 1 << 20;
    /** Most classes. */
    public static final int MAX_CLASSES = 1000;

    /** What a class folder may be called: a plain file name, no separators, not hidden. */
    private static final Pattern CLASS_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9 _.+-]{0,99}");

    /** How an image of another size than the declared one is treated. */
    public enum Resize {
        /** Refused: every image must already have the declared size. */
        NONE,
        /** Stretched (or shrunk) to the declared size by bilinear interpolation, aspect ratio not kept. */
        STRETCH;

        /** The word a study spec uses ("none", "stretch"). */
        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The rule a study spec names, or an exception naming the words known. */
        public static Resize of(String word) {
            for (Resize r : values()) {
                if (r.word().equals(word)) {
                    return r;
                }
            }
            throw new IllegalArgumentException("resize must be 'none' or 'stretch', got '" + word + "'");
        }
    }

    public ImageFormat {
        Objects.requireNonNull(resize, "resize");
        classes = List.copyOf(classes);
        mean = List.copyOf(mean);
        std = List.copyOf(std);
        List<String> problems = problems(height, width, channels, classes, mean, std);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
    }

    /** Values per image: the model's number of inputs. */
    public int numValues() {
        return channels * height * width;
    }

    /** The model's number of outputs. */
    public int numClasses() {
        return classes.size();
    }

    /**
     * Every problem with a declared format, in words (shared by the coordinator's check of a study
     * spec and this record's constructor); empty when none.
     */
    public static List<String> problems(
            int height, int width, int channels, List<String> classes, List<Double> mean, List<Double> std) {
        var problems = new java.util.ArrayList<String>();
        if (height < 1 || width < 1 || height > MAX_SIDE || width > MAX_SIDE) {
            problems.add("height and width must be between 1 and " + MAX_SIDE + " pixels, got " + height + "×" + width);
        } else if (channels == 1 || channels == 3) {
            if ((long) channels * height * width > MAX_VALUES) {
                problems.add("an image may have at most " + MAX_VALUES + " values (channels × height × width), got "
                        + (long) channels * height * width);
            }
        }
        if (channels != 1 && channels != 3) {
            problems.add("channels must be 1 (grayscale) or 3 (RGB), got " + channels);
        }
        if (classes == null || classes.size() < 2 || classes.size() > MAX_CLASSES) {
            problems.add("classes must name between 2 and " + MAX_CLASSES + " classes (one folder each), got "
                    + (classes == null ? 0 : classes.size()));
        } else {
            if (new HashSet<>(classes).size() != classes.size()) {
                problems.add("classes must be distinct, got " + classes);
            }
            for (String c : classes) {
                if (c == null || !CLASS_NAME.matcher(c).matches()) {
                    problems.add("class '" + c + "' is not a plain folder name (letters, digits, space, _ . + -;"
                            + " starting with a letter or digit; at most 100 characters)");
                }
            }
        }
        if (mean == null || mean.size() != channels || mean.stream().anyMatch(m -> m == null || !Double.isFinite(m))) {
            problems.add("mean must give one finite number per channel (" + channels + "), got " + mean);
        }
        if (std == null
                || std.size() != channels
                || std.stream().anyMatch(s -> s == null || !(s > 0) || !Double.isFinite(s))) {
            problems.add("std must give one finite positive number per channel (" + channels + "), got " + std);
        }
        return problems;
    }
}
