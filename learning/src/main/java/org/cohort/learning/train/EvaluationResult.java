package org.cohort.learning.train;

import java.util.List;

/**
 * A model's quality on one test set.
 *
 * @param accuracy fraction of examples whose most probable class is the true class (NaN when empty)
 * @param logLoss mean negative log-probability of the true class, in nats (NaN when empty)
 * @param examples test examples
 * @param correct correctly classified examples
 */
public record EvaluationResult(double accuracy, double logLoss, long examples, long correct) {

    public EvaluationResult {
        if (examples < 0 || correct < 0 || correct > examples) {
            throw new IllegalArgumentException(
                    "need 0 <= correct <= examples, got correct=" + correct + ", examples=" + examples);
        }
    }

    /** The result of evaluating on no examples. */
    public static EvaluationResult empty() {
        return new EvaluationResult(Double.NaN, Double.NaN, 0, 0);
    }

    /**
     * The result over the union of the test sets, as if they were one: accuracy from the summed
     * counts and log loss weighted by example counts. Sites with no test examples count for nothing.
     */
    public static EvaluationResult pooled(List<EvaluationResult> results) {
        long examples = 0;
        long correct = 0;
        double lossSum = 0;
        for (EvaluationResult result : results) {
            if (result.examples() == 0) {
                continue;
            }
            examples += result.examples();
            correct += result.correct();
            lossSum += result.logLoss() * result.examples();
        }
        if (examples == 0) {
            return empty();
        }
        return new EvaluationResult((double) correct / examples, lossSum / examples, examples, correct);
    }
}
