package org.cohort.simulation.virtual;

import org.cohort.learning.data.TabularDataset;

/**
 * One virtual site's training rows, kept compact: every feature in one flat float array (row after
 * row) and one byte per label, about 4·features + 1 bytes a row. A {@link TabularDataset} (an array
 * per row) exists only while the site trains.
 *
 * @param features    the rows' encoded features, {@code numFeatures} values per row
 * @param labels      each row's class index
 * @param numFeatures the width of a row
 * @param numClasses  the classes the model predicts
 */
public record SiteData(float[] features, byte[] labels, int numFeatures, int numClasses) {
    public SiteData {
        if (numFeatures < 1 || features.length != labels.length * numFeatures) {
            throw new IllegalArgumentException(
                    features.length + " feature values for " + labels.length + " rows of " + numFeatures);
        }
        if (numClasses < 2 || numClasses > Byte.MAX_VALUE) {
            throw new IllegalArgumentException("numClasses must be in [2, 127], got " + numClasses);
        }
    }

    /** The rows of {@code source} at {@code rows} (repeats allowed), copied into one compact site. */
    public static SiteData of(TabularDataset source, int[] rows) {
        int width = source.numFeatures();
        float[] features = new float[rows.length * width];
        byte[] labels = new byte[rows.length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(source.features()[rows[i]], 0, features, i * width, width);
            labels[i] = (byte) source.labels()[rows[i]];
        }
        return new SiteData(features, labels, width, source.numClasses());
    }

    /** Training rows. */
    public int size() {
        return labels.length;
    }

    /** The rows as the learning module trains on them (a temporary copy, one array per row). */
    public TabularDataset dataset() {
        float[][] rows = new float[labels.length][];
        int[] classes = new int[labels.length];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = java.util.Arrays.copyOfRange(features, i * numFeatures, (i + 1) * numFeatures);
            classes[i] = labels[i];
        }
        return new TabularDataset(rows, classes, numClasses);
    }
}
