package org.cohort.learning.data;

import java.util.List;
import java.util.Objects;
import org.cohort.learning.Nd4jRuntime;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Encoded examples held at one site: a feature matrix (one row per example) and class labels.
 *
 * <p>The arrays are owned by the dataset once passed in: callers must not modify them afterwards,
 * and nothing in this module modifies them (operations return new datasets). Equality is identity,
 * as for any record holding arrays.
 *
 * @param features rows of equal width; may be empty (a site can have no usable rows)
 * @param labels class index of each row, in {@code [0, numClasses)}
 * @param numClasses number of classes the model predicts, at least 2, even if some are absent here
 */
public record TabularDataset(float[][] features, int[] labels, int numClasses) {

    public TabularDataset {
        Objects.requireNonNull(features, "features");
        Objects.requireNonNull(labels, "labels");
        if (features.length != labels.length) {
            throw new IllegalArgumentException(
                    features.length + " feature rows but " + labels.length + " labels; they must match one to one");
        }
        if (numClasses < 2) {
            throw new IllegalArgumentException("numClasses must be at least 2, was " + numClasses);
        }
        int width = features.length == 0 ? 0 : features[0].length;
        for (int i = 0; i < features.length; i++) {
            if (features[i] == null || features[i].length != width) {
                throw new IllegalArgumentException("feature row " + i + " does not have the width " + width
                        + " of row 0; every row must encode the same columns");
            }
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException(
                        "label of row " + i + " is " + labels[i] + ", outside 0.." + (numClasses - 1));
            }
        }
    }

    /** Number of examples. */
    public int size() {
        return labels.length;
    }

    /** Width of the feature vector (0 for an empty dataset). */
    public int numFeatures() {
        return features.length == 0 ? 0 : features[0].length;
    }

    /** Examples per class, indexed by class. */
    public long[] classCounts() {
        long[] counts = new long[numClasses];
        for (int label : labels) {
            counts[label]++;
        }
        return counts;
    }

    /** The examples at {@code indices}, in that order (rows are shared, not copied). */
    public TabularDataset select(int[] indices) {
        float[][] rows = new float[indices.length][];
        int[] selected = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            rows[i] = features[indices[i]];
            selected[i] = labels[indices[i]];
        }
        return new TabularDataset(rows, selected, numClasses);
    }

    /** The examples of all parts in order, e.g. to pool sites for a central baseline. */
    public static TabularDataset concat(List<TabularDataset> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("nothing to concatenate: the list of datasets is empty");
        }
        int classes = parts.getFirst().numClasses();
        int total = 0;
        for (TabularDataset part : parts) {
            if (part.numClasses() != classes) {
                throw new IllegalArgumentException("datasets disagree on the number of classes (" + classes + " vs "
                        + part.numClasses() + "); they were encoded with different schemas");
            }
            total += part.size();
        }
        float[][] rows = new float[total][];
        int[] labels = new int[total];
        int at = 0;
        for (TabularDataset part : parts) {
            System.arraycopy(part.features(), 0, rows, at, part.size());
            System.arraycopy(part.labels(), 0, labels, at, part.size());
            at += part.size();
        }
        return new TabularDataset(rows, labels, classes);
    }

    /** The features as a float32 matrix of shape [size, numFeatures]. */
    public INDArray featureMatrix() {
        Nd4jRuntime.ensureInitialised();
        float[] flat = new float[size() * numFeatures()];
        for (int i = 0; i < features.length; i++) {
            System.arraycopy(features[i], 0, flat, i * numFeatures(), numFeatures());
        }
        return Nd4j.create(flat, new long[] {size(), numFeatures()}, DataType.FLOAT);
    }

    /** The labels one-hot encoded as a float32 matrix of shape [size, numClasses]. */
    public INDArray oneHotLabels() {
        Nd4jRuntime.ensureInitialised();
        float[] flat = new float[size() * numClasses];
        for (int i = 0; i < labels.length; i++) {
            flat[i * numClasses + labels[i]] = 1f;
        }
        return Nd4j.create(flat, new long[] {size(), numClasses}, DataType.FLOAT);
    }

    /** The dataset as a DL4J {@link DataSet} (features and one-hot labels). */
    public DataSet toDataSet() {
        return new DataSet(featureMatrix(), oneHotLabels());
    }
}
