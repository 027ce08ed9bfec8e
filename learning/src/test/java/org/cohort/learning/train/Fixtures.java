package org.cohort.learning.train;

import java.util.Random;
import org.cohort.learning.data.TabularDataset;

/** Small separable-ish datasets for training tests (the DP-SGD tests use them too). */
public final class Fixtures {

    private Fixtures() {}

    /** Two Gaussian classes in {@code features} dimensions whose means differ along every axis. */
    public static TabularDataset blobs(int n, int features, long seed) {
        Random random = new Random(seed);
        float[][] x = new float[n][features];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = random.nextInt(2);
            for (int j = 0; j < features; j++) {
                x[i][j] = (float) ((y[i] == 1 ? 1 : -1) * 0.8 + random.nextGaussian());
            }
        }
        return new TabularDataset(x, y, 2);
    }
}
