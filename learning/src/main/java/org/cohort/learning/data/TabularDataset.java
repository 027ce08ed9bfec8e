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
 * @param survival in a survival study, each row's time and event (its label is then the interval
 *     of its time, and {@code numClasses} the number of intervals); null for classification
 * @param targets in a regression study, each row's label scaled to [0, 1] by the study's declared
 *     range (every label is then 0 and {@code numClasses} 1, the model's one output); null otherwise
 */
public record TabularDataset(float[][] features, int[] labels, int numClasses, Survival survival, double[] targets) {

    /** A classification or survival dataset. */
    public TabularDataset(float[][] features, int[] labels, int numClasses, Survival survival) {
        this(features, labels, numClasses, survival, null);
    }

    /** A regression dataset: each row's scaled target in [0, 1]. */
    public static TabularDataset regression(float[][] features, double[] targets) {
        Objects.requireNonNull(targets, "targets");
        for (double t : targets) {
            if (!(t >= 0 && t <= 1)) {
                throw new IllegalArgumentException("regression targets are labels scaled to [0, 1], got " + t);
            }
        }
        return new TabularDataset(features, new int[targets.length], 1, null, targets);
    }

    /**
     * Each row's survival outcome: the time to the event or to censoring, and whether the event was
     * observed (true) or the patient censored (false).
     */
    public record Survival(double[] times, boolean[] events) {
        public Survival {
            Objects.requireNonNull(times, "times");
            Objects.requireNonNull(events, "events");
            if (times.length != events.length) {
                throw new IllegalArgumentException(times.length + " times but " + events.length + " event flags");
            }
            for (double t : times) {
                if (!(t >= 0) || Double.isInfinite(t)) {
                    throw new IllegalArgumentException("survival times must be finite and at least 0, got " + t);
                }
            }
        }

        Survival select(int[] indices) {
            double[] t = new double[indices.length];
            boolean[] e = new boolean[indices.length];
            for (int i = 0; i < indices.length; i++) {
                t[i] = times[indices[i]];
                e[i] = events[indices[i]];
            }
            return new Survival(t, e);
        }
    }

    /** A classification dataset. */
    public TabularDataset(float[][] features, int[] labels, int numClasses) {
        this(features, labels, numClasses, null);
    }

    public TabularDataset {
        Objects.requireNonNull(features, "features");
        Objects.requireNonNull(labels, "labels");
        if (features.length != labels.length) {
            throw new IllegalArgumentException(
                    features.length + " feature rows but " + labels.length + " labels; they must match one to one");
        }
        if (targets != null && (numClasses != 1 || survival != null || targets.length != labels.length)) {
            throw new IllegalArgumentException(
                    "a regression dataset has one target per row, one output and no" + " survival outcomes");
        }
        if (numClasses < 2 && targets == null) {
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
        if (survival != null && survival.times().length != labels.length) {
            throw new IllegalArgumentException(
                    survival.times().length + " survival outcomes for " + labels.length + " rows");
        }
    }

    /** Whether the rows carry survival outcomes (their labels are then interval indices). */
    public boolean isSurvival() {
        return survival != null;
    }

    /** Whether the rows carry regression targets (scaled labels) rather than classes. */
    public boolean isRegression() {
        return targets != null;
    }

    /** The same rows with other features (e.g. standardised), keeping labels and outcomes. */
    public TabularDataset withFeatures(float[][] newFeatures) {
        return new TabularDataset(newFeatures, labels, numClasses, survival, targets);
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
        double[] selectedTargets = null;
        if (targets != null) {
            selectedTargets = new double[indices.length];
            for (int i = 0; i < indices.length; i++) {
                selectedTargets[i] = targets[indices[i]];
            }
        }
        return new TabularDataset(
                rows, selected, numClasses, survival == null ? null : survival.select(indices), selectedTargets);
    }

    /** The examples of all parts in order, e.g. to pool sites for a central baseline. */
    public static TabularDataset concat(List<TabularDataset> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("nothing to concatenate: the list of datasets is empty");
        }
        int classes = parts.getFirst().numClasses();
        boolean survival = parts.getFirst().isSurvival();
        int total = 0;
        for (TabularDataset part : parts) {
            if (part.isSurvival() != survival
                    || part.isRegression() != parts.getFirst().isRegression()) {
                throw new IllegalArgumentException(
                        "cannot pool rows of different tasks (survival, regression," + " classification)");
            }
            if (part.numClasses() != classes) {
                throw new IllegalArgumentException("datasets disagree on the number of classes (" + classes + " vs "
                        + part.numClasses() + "); they were encoded with different schemas");
            }
            total += part.size();
        }
        float[][] rows = new float[total][];
        int[] labels = new int[total];
        boolean regression = parts.getFirst().isRegression();
        double[] targets = regression ? new double[total] : null;
        double[] times = survival ? new double[total] : null;
        boolean[] events = survival ? new boolean[total] : null;
        int at = 0;
        for (TabularDataset part : parts) {
            System.arraycopy(part.features(), 0, rows, at, part.size());
            System.arraycopy(part.labels(), 0, labels, at, part.size());
            if (regression) {
                System.arraycopy(part.targets(), 0, targets, at, part.size());
            }
            if (survival) {
                System.arraycopy(part.survival().times(), 0, times, at, part.size());
                System.arraycopy(part.survival().events(), 0, events, at, part.size());
            }
            at += part.size();
        }
        return new TabularDataset(rows, labels, classes, survival ? new Survival(times, events) : null, targets);
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

    /**
     * What the model is trained to predict, shape [size, numClasses]: the one-hot labels, a regression
     * study's scaled targets (one column), or in a
     * survival study each row's per-interval targets (see {@link #labelMask()}): 0 for every interval
     * the patient survived, 1 for the interval of an observed event.
     */
    public INDArray labelMatrix() {
        if (targets != null) {
            Nd4jRuntime.ensureInitialised();
            float[] flat = new float[size()];
            for (int i = 0; i < flat.length; i++) {
                flat[i] = (float) targets[i];
            }
            return Nd4j.create(flat, new long[] {size(), 1}, DataType.FLOAT);
        }
        if (survival == null) {
            return oneHotLabels();
        }
        Nd4jRuntime.ensureInitialised();
        float[] flat = new float[size() * numClasses];
        for (int i = 0; i < labels.length; i++) {
            if (survival.events()[i]) {
                flat[i * numClasses + labels[i]] = 1f;
            }
        }
        return Nd4j.create(flat, new long[] {size(), numClasses}, DataType.FLOAT);
    }

    /**
     * Which targets of {@link #labelMatrix()} count, shape [size, numClasses], or null when all do
     * (classification). In a survival study a row whose time falls in interval j counts in the
     * intervals before j (survived) and, when its event was observed, in interval j; a censored
     * row says nothing about interval j or later ones.
     */
    public INDArray labelMask() {
        if (survival == null) {
            return null;
        }
        Nd4jRuntime.ensureInitialised();
        float[] flat = new float[size() * numClasses];
        for (int i = 0; i < labels.length; i++) {
            int last = survival.events()[i] ? labels[i] : labels[i] - 1;
            for (int k = 0; k <= last; k++) {
                flat[i * numClasses + k] = 1f;
            }
        }
        return Nd4j.create(flat, new long[] {size(), numClasses}, DataType.FLOAT);
    }

    /** The dataset as a DL4J {@link DataSet}: features and labels, and in a survival study the label mask. */
    public DataSet toDataSet() {
        INDArray mask = labelMask();
        return mask == null
                ? new DataSet(featureMatrix(), labelMatrix())
                : new DataSet(featureMatrix(), labelMatrix(), null, mask);
    }
}
