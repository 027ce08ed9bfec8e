package org.cohort.learning.data;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Reads a site's images, one folder per class, into an encoded {@link TabularDataset}: each image
 * becomes one row of {@link ImageFormat#numValues()} values (see {@link ImageFormat} for the layout
 * and normalisation) and its class is the position of its folder's name among the declared classes.
 *
 * <p>Every image is read through ImageIO, PNG or JPEG only (by name and by content). Nothing is
 * skipped silently: a folder that is not a declared class, a declared class without a folder, a file
 * that is not a PNG or JPEG, one that does not decode, has another number of colour channels than
 * declared or, with {@link ImageFormat.Resize#NONE}, another size, a nested folder, a link that leads
 * outside the data folder or anything that is not a plain file each stop loading with an
 * {@link ImageFolderException} listing every problem found (a site's admin fixes or removes the files
 * and loads again). Only names starting with a dot ({@code .DS_Store}, editors' files) are ignored.
 * An alpha channel is ignored.
 *
 * <p>Decompression bombs: the file's size is checked before it is opened and the image's width and
 * height, read from its header, before its pixels are decoded ({@link #MAX_FILE_BYTES},
 * {@link #MAX_SOURCE_SIDE}, {@link #MAX_SOURCE_PIXELS}).
 *
 * <p>Each row is keyed for the train/test split by {@code <class>/<file name>}, so a study's split is
 * hash-based per image (with the site's secret) or, with published test ids, exactly those images.
 */
public final class ImageFolderLoader {

    /** Largest image file read. */
    public static final long MAX_FILE_BYTES = 32L << 20;
    /** Largest width or height of an image as stored (before resizing). */
    public static final int MAX_SOURCE_SIDE = 8192;
    /** Most pixels of an image as stored (before resizing): 4 Mpx, 16 MiB once decoded. */
    public static final long MAX_SOURCE_PIXELS = 1L << 22;
    /** Most images a site's data folder may hold. */
    public static final int MAX_IMAGES = 1 << 20;
    /** Problems listed in an exception's message (all are counted). */
    static final int MAX_LISTED = 20;

    private static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg");

    private ImageFolderLoader() {}

    /**
     * Loads the images under {@code root} as {@code format} declares.
     *
     * @throws ImageFolderException listing every problem found, when there is any
     * @throws IOException when the folder itself cannot be listed
     */
    public static LoadedTable load(Path root, ImageFormat format) throws IOException {
        return load(root, format, ImagePatients.perImage());
    }

    /**
     * Loads the images under {@code root} as {@code format} declares, each keyed for the split by
     * its patient as {@code patients} reads it from the file name.
     *
     * @throws ImageFolderException listing every problem found (a name without a patient id among them)
     * @throws IOException when the folder itself cannot be listed
     */
    public static LoadedTable load(Path root, ImageFormat format, ImagePatients patients) throws IOException {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(patients, "patients");
        var walk = walk(root, format.classes());
        var problems = new ArrayList<>(walk.problems());
        List<float[]> rows = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (Entry e : walk.entries()) {
            String key;
            try {
                key = patients.grouped()
                        ? patients.keyOf(
                                e.className(), e.name().substring(e.name().indexOf('/') + 1))
                        : e.name();
            } catch (IllegalArgumentException noPatient) {
                problems.add(noPatient.getMessage());
                continue;
            }
            try {
                BufferedImage image = decode(e.file());
                rows.add(encode(image, format, e.name()));
                labels.add(format.classes().indexOf(e.className()));
                ids.add(key);
            } catch (BadImage bad) {
                problems.add(bad.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new ImageFolderException(root, problems);
        }
        var dataset = new TabularDataset(
                rows.toArray(float[][]::new),
                labels.stream().mapToInt(Integer::intValue).toArray(),
                format.numClasses());
        return new LoadedTable(dataset, rows.size(), 0, ids);
    }

    /**
     * What a data folder holds, without a study's declaration (the agent's {@code check}): images
     * per folder, the sizes and colour channels found, and every problem that no declaration could
     * make right (a file that is not a PNG or JPEG or does not decode, a nested folder, a link out).
     *
     * @param images images per class folder, in name order
     * @param sizes the distinct sizes found, as {@code width×height}
     * @param channels the distinct numbers of colour channels found
     * @param problems every problem, in words
     */
    public record Survey(Map<String, Integer> images, Set<String> sizes, Set<Integer> channels, List<String> problems) {
        public Survey {
            images = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(images));
            sizes = java.util.Collections.unmodifiableSet(new TreeSet<>(sizes));
            channels = java.util.Collections.unmodifiableSet(new TreeSet<>(channels));
            problems = List.copyOf(problems);
        }

        /** Images in all folders. */
        public int total() {
            return images.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    /** Surveys {@code root} (see {@link Survey}); every image is decoded once. */
    public static Survey survey(Path root) throws IOException {
        var walk = walk(root, null);
        var problems = new ArrayList<>(walk.problems());
        Map<String, Integer> counts = new TreeMap<>();
        walk.folders().forEach(f -> counts.put(f, 0));
        Set<String> sizes = new TreeSet<>();
        Set<Integer> channels = new TreeSet<>();
        for (Entry e : walk.entries()) {
            try {
                BufferedImage image = decode(e.file());
                counts.merge(e.className(), 1, Integer::sum);
                sizes.add(image.getWidth() + "×" + image.getHeight());
                channels.add(colourChannels(image));
            } catch (BadImage bad) {
                problems.add(bad.getMessage());
            }
        }
        return new Survey(counts, sizes, channels, problems);
    }

    /** An image file of class {@code className}, named {@code name} ({@code class/file}), at {@code file} (real path). */
    private record Entry(String className, String name, Path file) {}

    private record Walk(List<String> folders, List<Entry> entries, List<String> problems) {}

    /**
     * The image files under {@code root}, class by class ({@code classes}' order, or folder name order
     * when null), each class's files in name order, with every structural problem.
     */
    private static Walk walk(Path root, List<String> classes) throws IOException {
        Objects.requireNonNull(root, "root");
        if (!Files.isDirectory(root)) {
            throw new ImageFolderException(
                    root,
                    List.of(root + " does not exist or is not a folder (an image study reads one folder per class"
                            + " from data.path)"));
        }
        Path rootReal = root.toRealPath();
        var problems = new ArrayList<String>();
        Map<String, Path> folders = new TreeMap<>();
        for (Path child : sorted(rootReal)) {
            String name = child.getFileName().toString();
            if (name.startsWith(".")) {
                continue;
            }
            Path real = inside(child, rootReal, name, problems);
            if (real == null) {
                continue;
            }
            if (!Files.isDirectory(real)) {
                problems.add(name + " is a file in the data folder itself; images go in one folder per class");
            } else if (classes != null && !classes.contains(name)) {
                problems.add("folder '" + name + "' is not one of the study's classes " + classes
                        + " (rename it to its class, or move it out of the data folder)");
            } else {
                folders.put(name, real);
            }
        }
        List<String> order = new ArrayList<>();
        if (classes == null) {
            order.addAll(folders.keySet());
        } else {
            for (String c : classes) {
                if (folders.containsKey(c)) {
                    order.add(c);
                } else {
                    problems.add("the study's class '" + c + "' has no folder '" + c + "' in " + root
                            + " (create it, empty if this site has no image of that class)");
                }
            }
        }
        var entries = new ArrayList<Entry>();
        // A link to another image of the folder would count one image (one patient) twice.
        Map<Path, String> seen = new java.util.HashMap<>();
        for (String c : order) {
            for (Path child : sorted(folders.get(c))) {
                String file = child.getFileName().toString();
                if (file.startsWith(".")) {
                    continue;
                }
                String name = c + "/" + file;
                Path real = inside(child, rootReal, name, problems);
                if (real == null) {
                    continue;
                }
                if (Files.isDirectory(real)) {
                    problems.add(name + " is a folder; images sit directly in their class folder");
                } else if (!Files.isRegularFile(real)) {
                    problems.add(name + " is not a regular file");
                } else if (!EXTENSIONS.contains(extension(file))) {
                    problems.add(name + " is not a PNG or JPEG file (.png, .jpg, .jpeg); remove it from the class"
                            + " folder");
                } else if (entries.size() >= MAX_IMAGES) {
                    problems.add("more than " + MAX_IMAGES + " images; the rest were not read");
                    return new Walk(order, entries, problems);
                } else if (seen.containsKey(real)) {
                    problems.add(name + " is the same file as " + seen.get(real) + " (a link); keep one of them");
                } else {
                    seen.put(real, name);
                    entries.add(new Entry(c, name, real));
                }
            }
        }
        return new Walk(order, entries, problems);
    }

    /** {@code path}'s real path when it lies inside {@code rootReal}, else null with the problem noted. */
    private static Path inside(Path path, Path rootReal, String name, List<String> problems) {
        try {
            Path real = path.toRealPath();
            if (!real.startsWith(rootReal)) {
                problems.add(name + " is a link that leads outside the data folder; copy what it points to into"
                        + " the folder instead");
                return null;
            }
            return real;
        } catch (IOException e) {
            problems.add(name + " cannot be resolved (" + e.getClass().getSimpleName() + "; a broken link?)");
            return null;
        }
    }

    private static List<Path> sorted(Path dir) throws IOException {
        var out = new ArrayList<Path>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            stream.forEach(out::add);
        }
        out.sort(java.util.Comparator.comparing(p -> p.getFileName().toString()));
        return out;
    }

    private static String extension(String file) {
        int dot = file.lastIndexOf('.');
        return dot < 0 ? "" : file.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    /** A file that is not a usable image; its message names it (class/file) and says why. */
    static final class BadImage extends Exception {
        BadImage(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Decodes {@code file} (a real path inside the data folder) after checking its size, its format
     * and its width and height from the header.
     */
    static BufferedImage decode(Path file) throws BadImage {
        String name = file.getParent().getFileName() + "/" + file.getFileName();
        try {
            long bytes = Files.size(file);
            if (bytes > MAX_FILE_BYTES) {
                throw new BadImage(
                        name + " has " + bytes + " bytes, more than the " + MAX_FILE_BYTES + " an image may have");
            }
            try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
                if (in == null) {
                    throw new BadImage(name + " cannot be opened");
                }
                Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
                if (!readers.hasNext()) {
                    throw new BadImage(name + " is not a PNG or JPEG image (no image reader recognises its content)");
                }
                ImageReader reader = readers.next();
                try {
                    String kind = reader.getFormatName().toLowerCase(Locale.ROOT);
                    if (!List.of("png", "jpeg", "jpg").contains(kind)) {
                        throw new BadImage(name + " is a " + kind + " image; only PNG and JPEG are read");
                    }
                    reader.setInput(in, true, true);
                    int width = reader.getWidth(0);
                    int height = reader.getHeight(0);
                    if (width < 1
                            || height < 1
                            || width > MAX_SOURCE_SIDE
                            || height > MAX_SOURCE_SIDE
                            || (long) width * height > MAX_SOURCE_PIXELS) {
                        throw new BadImage(name + " is " + width + "×" + height + " pixels; an image may have at most "
                                + MAX_SOURCE_SIDE + " pixels a side and " + MAX_SOURCE_PIXELS + " in all (checked"
                                + " before decoding)");
                    }
                    BufferedImage image = reader.read(0);
                    if (image == null) {
                        throw new BadImage(name + " decodes to nothing");
                    }
                    return image;
                } finally {
                    reader.dispose();
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new BadImage(name + " cannot be decoded as an image ("
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage())
                    + "); the file is damaged or truncated");
        }
    }

    /** Colour channels of {@code image}, alpha not counted; a palette of greys counts as one. */
    static int colourChannels(BufferedImage image) {
        if (image.getColorModel() instanceof IndexColorModel palette) {
            for (int i = 0; i < palette.getMapSize(); i++) {
                int r = palette.getRed(i);
                if (r != palette.getGreen(i) || r != palette.getBlue(i)) {
                    return 3;
                }
            }
            return 1;
        }
        return image.getColorModel().getNumColorComponents();
    }

    /** One image as a row (see {@link ImageFormat}). */
    static float[] encode(BufferedImage image, ImageFormat format, String name) throws BadImage {
        int found = colourChannels(image);
        if (found != format.channels()) {
            throw new BadImage(name + " has " + found + " colour channel" + (found == 1 ? "" : "s") + " where the"
                    + " study declares " + format.channels() + (format.channels() == 1 ? " (grayscale)" : " (RGB)"));
        }
        int srcW = image.getWidth();
        int srcH = image.getHeight();
        if (format.resize() == ImageFormat.Resize.NONE && (srcW != format.width() || srcH != format.height())) {
            throw new BadImage(name + " is " + srcW + "×" + srcH + " pixels where the study declares " + format.width()
                    + "×" + format.height() + " and resize 'none'");
        }
        Sampler sampler = sampler(image, format.channels());
        int h = format.height();
        int w = format.width();
        float[] row = new float[format.numValues()];
        for (int c = 0; c < format.channels(); c++) {
            double mean = format.mean().get(c);
            double std = format.std().get(c);
            int base = c * h * w;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double v = srcW == w && srcH == h
                            ? sampler.get(c, x, y)
                            : bilinear(sampler, c, x, y, w, h, srcW, srcH);
                    row[base + y * w + x] = (float) ((v - mean) / std);
                }
            }
        }
        return row;
    }

    /** A pixel's channel {@code c} in [0, 1]. */
    private interface Sampler {
        double get(int c, int x, int y);
    }

    private static Sampler sampler(BufferedImage image, int channels) {
        if (channels == 3 || image.getColorModel() instanceof IndexColorModel) {
            // getRGB maps any colour model to 8-bit sRGB; a grey palette has r == g == b.
            return (c, x, y) -> ((image.getRGB(x, y) >> (16 - 8 * c)) & 0xff) / 255.0;
        }
        var raster = image.getRaster();
        double max = (1L << image.getColorModel().getComponentSize(0)) - 1;
        return (c, x, y) -> raster.getSample(x, y, 0) / max;
    }

    /** Bilinear interpolation at the centre of output pixel (x, y), edges clamped. */
    private static double bilinear(Sampler s, int c, int x, int y, int w, int h, int srcW, int srcH) {
        double sx = Math.min(Math.max((x + 0.5) * srcW / w - 0.5, 0), srcW - 1);
        double sy = Math.min(Math.max((y + 0.5) * srcH / h - 0.5, 0), srcH - 1);
        int x0 = (int) sx;
        int y0 = (int) sy;
        int x1 = Math.min(x0 + 1, srcW - 1);
        int y1 = Math.min(y0 + 1, srcH - 1);
        double fx = sx - x0;
        double fy = sy - y0;
        double top = s.get(c, x0, y0) * (1 - fx) + s.get(c, x1, y0) * fx;
        double bottom = s.get(c, x0, y1) * (1 - fx) + s.get(c, x1, y1) * fx;
        return top * (1 - fy) + bottom * fy;
    }
}
