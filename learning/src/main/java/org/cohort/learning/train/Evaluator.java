package org.cohort.learning.train;

import java.util.Objects;
import org.cohort.learning.Nd4jRuntime;
import org.cohort.learning.data.TabularDataset;
import org.cohort.learning.model.Network;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Measures a model on a test set: accuracy and log loss, with the counts needed to pool sites. */
public final class Evaluator {

    /** Rows per forward pass: bounds memory for large test sets without slowing small ones. */
    static final int EVAL_BATCH = 4096;

    /** Probabilities are clamped here so one confident mistake gives a large, finite loss. */
    static final double MIN_PROBABILITY = 1e-7;

    private Evaluator() {}

    /** Evaluates {@code net} (inference mode) on {@code test}; an empty test set gives {@link EvaluationResult#empty()}. */
    public static EvaluationResult evaluate(MultiLayerNetwork net, TabularDataset test) {
        return evaluate(Network.of(net), test);
    }

    /** As {@link #evaluate(MultiLayerNetwork, TabularDataset)}, for either form of network. */
    public static EvaluationResult evaluate(Network net, TabularDataset test) {
        return evaluate(probabilities(net, test), test, false);
    }

    /**
     * As {@link #evaluate(Network, TabularDataset)}, from each test row's class probabilities as a model
     * outside this JVM computed them (an external trainer's predictions for a module study).
     */
    public static EvaluationResult evaluate(float[][] probabilities, TabularDataset test) {
        return evaluate(probabilities, test, true);
    }

    private static EvaluationResult evaluate(float[][] probabilities, TabularDataset test, boolean fromOutside) {
        Objects.requireNonNull(test, "test");
        requireRows(probabilities, test, fromOutside);
        if (test.size() == 0) {
            return EvaluationResult.empty();
        }
        long correct = 0;
        double lossSum = 0;
        int[] labels = test.labels();
        for (int row = 0; row < probabilities.length; row++) {
            float[] p = probabilities[row];
            int truth = labels[row];
            if (argmax(p) == truth) {
                correct++;
            }
            // A NaN probability (a diverged model) counts as the floor: Math.max would pass the NaN on.
            lossSum -= Math.log(p[truth] >= MIN_PROBABILITY ? p[truth] : MIN_PROBABILITY);
        }
        return new EvaluationResult((double) correct / test.size(), lossSum / test.size(), test.size(), correct);
    }

    /** Each test row's class probabilities under {@code net} (inference mode), rows × classes. */
    public static float[][] probabilities(Network net, TabularDataset test) {
        Objects.requireNonNull(net, "net");
        Objects.requireNonNull(test, "test");
        Nd4jRuntime.ensureInitialised();
        NetworkShape.requireCompatible(net, test);
        float[][] out = new float[test.size()][];
        forEachPrediction(net, test, (row, p) -> out[row] = p);
        return out;
    }

    /**
     * Predictions must be one row of the test set's class count per test row; those from outside this JVM
     * ({@code fromOutside}) must also be distributions. This process's own network is not held to the
     * latter: a diverged model's NaN scores are its metrics (a poor accuracy, a NaN loss), not a failed round.
     */
    private static void requireRows(float[][] probabilities, TabularDataset test, boolean fromOutside) {
        Objects.requireNonNull(probabilities, "probabilities");
        if (probabilities.length != test.size()) {
            throw new IllegalArgumentException(
                    "predictions for " + probabilities.length + " rows, but the test set has " + test.size());
        }
        for (float[] p : probabilities) {
            if (p == null || p.length != test.numClasses()) {
                throw new IllegalArgumentException("a prediction has " + (p == null ? 0 : p.length)
                        + " class probabilities, but the test set has " + test.numClasses() + " classes");
            }
            for (float v : p) {
                if (fromOutside && !(v >= 0 && v <= 1.0001f)) {
                    throw new IllegalArgumentException("a predicted probability is " + v + ", outside [0, 1]");
                }
            }
        }
    }

    /**
     * A survival model on {@code test} (rows with survival outcomes): Harrell's C-index of each
     * patient's risk score ({@link DiscreteTimeSurvival#risk}) and the mean negative log-likelihood.
     */
    public static SurvivalEvaluation evaluateSurvival(Network net, TabularDataset test) {
        Objects.requireNonNull(net, "net");
        Objects.requireNonNull(test, "test");
        if (!test.isSurvival()) {
            throw new IllegalArgumentException("the test rows carry no survival outcomes (time and event)");
        }
        Nd4jRuntime.ensureInitialised();
        NetworkShape.requireCompatible(net, test);
        double[] risk = riskScores(net, test);
        double[] lossSum = {0};
        int[] intervals = test.labels();
        boolean[] events = test.survival().events();
        forEachPrediction(
                net,
                test,
                (row, h) -> lossSum[0] += DiscreteTimeSurvival.negativeLogLikelihood(h, intervals[row], events[row]));
        return new SurvivalEvaluation(
                Concordance.of(risk, test.survival().times(), events),
                test.size() == 0 ? Double.NaN : lossSum[0] / test.size(),
                test.size());
    }

    /** As {@link #evaluateSurvival(Network, TabularDataset)}. */
    public static SurvivalEvaluation evaluateSurvival(MultiLayerNetwork net, TabularDataset test) {
        return evaluateSurvival(Network.of(net), test);
    }

    /** Each test row's risk score under a survival model: higher means the event is expected sooner. */
    public static double[] riskScores(Network net, TabularDataset test) {
        double[] risk = new double[test.size()];
        forEachPrediction(net, test, (row, h) -> risk[row] = DiscreteTimeSurvival.risk(h));
        return risk;
    }

    /**
     * The confusion matrix of {@code net} on {@code test}: counts of rows by true class (row) and
     * predicted class (column), row-major, classes² long. Each row adds 1 to exactly one count, so
     * adding or removing one patient changes the matrix by 1 in L2: the sufficient statistic a
     * site can release with Gaussian noise of sensitivity 1 (accuracy, per-class recall and
     * precision all follow from it).
     */
    public static long[] confusionMatrix(MultiLayerNetwork net, TabularDataset test) {
        return confusionMatrix(Network.of(net), test);
    }

    /** As {@link #confusionMatrix(MultiLayerNetwork, TabularDataset)}, for either form of network. */
    public static long[] confusionMatrix(Network net, TabularDataset test) {
        return confusionMatrix(probabilities(net, test), test, false);
    }

    /** As {@link #confusionMatrix(Network, TabularDataset)}, from predictions made outside this JVM. */
    public static long[] confusionMatrix(float[][] probabilities, TabularDataset test) {
        return confusionMatrix(probabilities, test, true);
    }

    private static long[] confusionMatrix(float[][] probabilities, TabularDataset test, boolean fromOutside) {
        Objects.requireNonNull(test, "test");
        requireRows(probabilities, test, fromOutside);
        int classes = test.numClasses();
        long[] counts = new long[classes * classes];
        int[] labels = test.labels();
        for (int row = 0; row < probabilities.length; row++) {
            counts[labels[row] * classes + argmax(probabilities[row])]++;
        }
        return counts;
    }

    /**
     * The score histogram of a binary {@code net} on {@code test}: counts of rows by true class (row)
     * and by {@code bins} equal-width bins of the predicted probability of class 1 on [0, 1] (column),
     * row-major, 2·bins long; bin {@code b} holds [b/bins, (b+1)/bins), the last also 1. Like the
     * confusion matrix, each row adds 1 to exactly one count (L2 sensitivity 1 to one patient), and
     * AUROC, AUPRC and calibration error follow from it.
     */
    public static long[] scoreHistogram(Network net, TabularDataset test, int bins) {
        Objects.requireNonNull(net, "net");
        Objects.requireNonNull(test, "test");
        requireBinary(test, bins);
        return scoreHistogram(probabilities(net, test), test, bins, false);
    }

    /** As {@link #scoreHistogram(Network, TabularDataset, int)}, from predictions made outside this JVM. */
    public static long[] scoreHistogram(float[][] probabilities, TabularDataset test, int bins) {
        return scoreHistogram(probabilities, test, bins, true);
    }

    private static long[] scoreHistogram(float[][] probabilities, TabularDataset test, int bins, boolean fromOutside) {
        Objects.requireNonNull(test, "test");
        requireBinary(test, bins);
        requireRows(probabilities, test, fromOutside);
        long[] counts = new long[2 * bins];
        int[] labels = test.labels();
        for (int row = 0; row < probabilities.length; row++) {
            // Float rounding in the softmax may leave p[1] a hair outside [0, 1]: clamp before binning.
            double score = Math.max(0, Math.min(1, probabilities[row][1]));
            counts[labels[row] * bins + Math.min(bins - 1, (int) (score * bins))]++;
        }
        return counts;
    }

    private static void requireBinary(TabularDataset test, int bins) {
        if (test.numClasses() != 2) {
            throw new IllegalArgumentException("a score histogram is of a binary classifier; the test rows have "
                    + test.numClasses() + " classes");
        }
        if (bins < 1) {
            throw new IllegalArgumentException("a score histogram needs at least one bin, got " + bins);
        }
    }

    /**
     * A regression model's prediction for each row of {@code test}, in the scaled unit of its targets
     * ([0, 1] spans the study's declared label range; a prediction may lie outside it, and whoever
     * turns predictions into errors clamps them, see {@code org.cohort.protocol.ErrorSums}).
     */
    public static double[] regressionPredictions(Network net, TabularDataset test) {
        Objects.requireNonNull(net, "net");
        Objects.requireNonNull(test, "test");
        if (!test.isRegression()) {
            throw new IllegalArgumentException("the test rows carry no regression targets");
        }
        Nd4jRuntime.ensureInitialised();
        NetworkShape.requireCompatible(net, test);
        double[] predictions = new double[test.size()];
        forEachPrediction(net, test, (row, p) -> predictions[row] = p[0]);
        return predictions;
    }

    /** Row index and class probabilities of each test row, in forward passes of at most {@link #EVAL_BATCH} rows. */
    private static void forEachPrediction(Network net, TabularDataset test, Prediction action) {
        for (int start = 0; start < test.size(); start += EVAL_BATCH) {
            int end = Math.min(test.size(), start + EVAL_BATCH);
            int[] rows = new int[end - start];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = start + i;
            }
            INDArray probabilities = net.output(test.select(rows).featureMatrix());
            float[][] p = probabilities.castTo(DataType.FLOAT).toFloatMatrix();
            for (int i = 0; i < p.length; i++) {
                action.accept(start + i, p[i]);
            }
        }
    }

    private interface Prediction {
        void accept(int row, float[] probabilities);
    }

    // Ties go to the lower class index, so a model that outputs exactly 0.5/0.5 predicts class 0.
    private static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }
}
