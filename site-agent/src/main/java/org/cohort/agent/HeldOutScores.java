package org.cohort.agent;

import java.util.function.Supplier;
import org.cohort.learning.data.SplitData;
import org.cohort.learning.data.TabularDataset;
import org.cohort.learning.model.Network;
import org.cohort.learning.train.EvaluationResult;
import org.cohort.learning.train.Evaluator;

/**
 * The global model's answers on this site's held-out rows, from which the site's metrics are computed
 * (and, under DP, noised by {@link HeldOutRelease}): from the DL4J network in this process, or from the
 * class probabilities an external trainer predicted for a module study. Either way the labels never
 * leave the agent and the same rules decide what is released.
 */
interface HeldOutScores {

    /** Accuracy and log loss (a survival model's C-index and likelihood), with the counts to pool sites. */
    EvaluationResult evaluate();

    /** Counts by true and predicted class, row-major. */
    long[] confusionMatrix();

    /** A binary model's counts by true class and score bin. */
    long[] scoreHistogram(int bins);

    /** A regression model's exact error sums (scaled by the declared range, clamped, quantised). */
    org.cohort.protocol.ErrorSums errorSums();

    /** The study's DL4J network, evaluated here. */
    static HeldOutScores of(Network net, SplitData data) {
        return new HeldOutScores() {
            @Override
            public EvaluationResult evaluate() {
                return data.test().isSurvival()
                        ? Dl4jLearner.survivalEvaluation(net, data)
                        : Evaluator.evaluate(net, data.test());
            }

            @Override
            public long[] confusionMatrix() {
                return Evaluator.confusionMatrix(net, data.test());
            }

            @Override
            public long[] scoreHistogram(int bins) {
                return Evaluator.scoreHistogram(net, data.test(), bins);
            }

            @Override
            public org.cohort.protocol.ErrorSums errorSums() {
                return org.cohort.protocol.ErrorSums.measure(
                        Evaluator.regressionPredictions(net, data.test()),
                        data.test().targets());
            }
        };
    }

    /** Class probabilities predicted outside this process, asked for once, when a metric first needs them. */
    static HeldOutScores predicted(Supplier<float[][]> predict, TabularDataset test) {
        return new HeldOutScores() {
            private float[][] probabilities;

            private float[][] probabilities() {
                if (probabilities == null) {
                    probabilities = predict.get();
                }
                return probabilities;
            }

            @Override
            public EvaluationResult evaluate() {
                return Evaluator.evaluate(probabilities(), test);
            }

            @Override
            public long[] confusionMatrix() {
                return Evaluator.confusionMatrix(probabilities(), test);
            }

            @Override
            public long[] scoreHistogram(int bins) {
                return Evaluator.scoreHistogram(probabilities(), test, bins);
            }

            @Override
            public org.cohort.protocol.ErrorSums errorSums() {
                // ModuleChecks refuses a module regression study: the worker predicts class probabilities.
                throw new IllegalStateException("an external trainer's module predicts classes, not values");
            }
        };
    }
}
