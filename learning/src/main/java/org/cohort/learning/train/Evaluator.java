package org.cohort.learning.train;

import java.util.Objects;
import org.cohort.learning.Nd4jRuntime;
import org.cohort.learning.data.TabularDataset;
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
        Objects.requireNonNull(net, "net");
        Objects.requireNonNull(test, "test");
        Nd4jRuntime.ensureInitialised();
        NetworkShape.requireCompatible(net, test);
        if (test.size() == 0) {
            return EvaluationResult.empty();
        }
        long correct = 0;
        double lossSum = 0;
        int[] labels = test.labels();
        for (int start = 0; start < test.size(); start += EVAL_BATCH) {
            int end = Math.min(test.size(), start + EVAL_BATCH);
            int[] rows = new int[end - start];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = start + i;
            }
            INDArray probabilities = net.output(test.select(rows).featureMatrix(), false);
            float[][] p = probabilities.castTo(DataType.FLOAT).toFloatMatrix();
            for (int i = 0; i < p.length; i++) {
                int truth = labels[start + i];
                int predicted = argmax(p[i]);
                if (predicted == truth) {
                    correct++;
                }
                lossSum -= Math.log(Math.max(MIN_PROBABILITY, p[i][truth]));
            }
        }
        return new EvaluationResult((double) correct / test.size(), lossSum / test.size(), test.size(), correct);
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
