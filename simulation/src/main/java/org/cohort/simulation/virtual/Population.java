package org.cohort.simulation.virtual;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.cohort.learning.data.HeartDisease;
import org.cohort.learning.data.TabularDataset;

/**
 * Where virtual sites draw their rows from: a table of source rows, resampled into each site, and
 * the held-out rows every round's global model is scored on (pooled, as no real study could: the
 * simulation's privilege).
 *
 * @param train       the rows sites are resampled from
 * @param test        the pooled held-out rows
 * @param description one line naming the data, for the benchmark's header
 */
public record Population(TabularDataset train, TabularDataset test, String description) {
    /** Share of the Heart Disease rows held out for the pooled test. */
    public static final double TEST_FRACTION = 0.25;

    /**
     * The four Heart Disease centres' 740 prepared rows (15 features), shuffled with {@code seed}
     * and split into source and held-out rows.
     */
    public static Population heartDisease(Path directory, long seed) throws IOException {
        var parts = new ArrayList<TabularDataset>();
        for (String centre : HeartDisease.centres()) {
            parts.add(HeartDisease.load(HeartDisease.file(directory, centre)).dataset());
        }
        TabularDataset all = TabularDataset.concat(parts);
        int[] order = shuffled(all.size(), new Random(seed));
        int test = (int) Math.round(all.size() * TEST_FRACTION);
        return new Population(
                all.select(java.util.Arrays.copyOfRange(order, test, order.length)),
                all.select(java.util.Arrays.copyOf(order, test)),
                "Heart Disease (4 centres, " + all.size() + " rows, " + all.numFeatures() + " features) from "
                        + directory);
    }

    /**
     * Rows of Heart Disease's shape without the files: {@code features} standard normal features and
     * a binary label drawn from a logistic model with fixed coefficients ({@code seed}); 2,000
     * source rows and 1,000 held out.
     */
    public static Population synthetic(int features, long seed) {
        Random random = new Random(seed);
        double[] w = new double[features];
        for (int j = 0; j < features; j++) {
            w[j] = random.nextGaussian() * 1.5 / Math.sqrt(features);
        }
        return new Population(
                logistic(2000, w, random),
                logistic(1000, w, random),
                "synthetic logistic data (" + features + " features, seed " + seed + ")");
    }

    private static TabularDataset logistic(int rows, double[] w, Random random) {
        float[][] x = new float[rows][w.length];
        int[] y = new int[rows];
        for (int i = 0; i < rows; i++) {
            double z = 0;
            for (int j = 0; j < w.length; j++) {
                x[i][j] = (float) random.nextGaussian();
                z += w[j] * x[i][j];
            }
            y[i] = random.nextDouble() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
        }
        return new TabularDataset(x, y, 2);
    }

    /**
     * The Heart Disease directory as the demo finds it ({@link HeartDisease#locateDataDirectory()}),
     * else {@code shared/datasets/fed-heart-disease} in the working directory or any directory above
     * it (a worktree's checkout lies deeper than the demo looks).
     */
    public static Optional<Path> locateHeartDisease() {
        Optional<Path> found = HeartDisease.locateDataDirectory();
        if (found.isPresent()) {
            return found;
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared/datasets/fed-heart-disease");
            if (Files.isRegularFile(candidate.resolve("processed.cleveland.data"))) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** 0..n−1 in an order drawn from {@code random} (Fisher–Yates). */
    static int[] shuffled(int n, Random random) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /** The rows of each class, by class index. */
    static List<int[]> rowsByClass(int[] labels, int numClasses) {
        var out = new ArrayList<int[]>();
        for (int k = 0; k < numClasses; k++) {
            final int c = k;
            out.add(java.util.stream.IntStream.range(0, labels.length)
                    .filter(i -> labels[i] == c)
                    .toArray());
        }
        return out;
    }
}
