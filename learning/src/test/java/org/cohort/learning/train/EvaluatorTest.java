package org.cohort.learning.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.cohort.learning.data.TabularDataset;
import org.cohort.learning.model.ModelPreset;
import org.cohort.learning.model.ModelSpec;
import org.cohort.learning.model.Optimizer;
import org.cohort.learning.model.ParameterVectors;
import org.cohort.learning.model.TrainingPlan;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;

class EvaluatorTest {

    /** One input x; parameters make the logit of class 1 equal to x, so P(1 | x) = sigmoid(x). */
    private static MultiLayerNetwork sigmoidOfX() {
        MultiLayerNetwork net = new ModelSpec(ModelPreset.logisticRegression()
                        .configJson(1, 2, new TrainingPlan(1, 1, Optimizer.SGD, 0.1, 1)))
                .newNetwork();
        ParameterVectors.write(net, new float[] {0f, 1f, 0f, 0f});
        return net;
    }

    @Test
    void countsCorrectPredictionsAndMeanLogLossOfTrueClass() {
        // One input x; parameters make the logit of class 1 equal to x, so P(1 | x) = sigmoid(x).
        MultiLayerNetwork net = sigmoidOfX();
        TabularDataset test = new TabularDataset(new float[][] {{2}, {-1}, {3}, {0.5f}}, new int[] {1, 0, 0, 1}, 2);

        EvaluationResult result = Evaluator.evaluate(net, test);

        assertThat(result.examples()).isEqualTo(4);
        assertThat(result.correct()).isEqualTo(3); // x = 3 is predicted 1 but labelled 0
        assertThat(result.accuracy()).isEqualTo(0.75);
        double expected =
                -(Math.log(sigmoid(2)) + Math.log(1 - sigmoid(-1)) + Math.log(1 - sigmoid(3)) + Math.log(sigmoid(0.5)))
                        / 4;
        assertThat(result.logLoss()).isCloseTo(expected, within(1e-5));
    }

    @Test
    void theConfusionMatrixCountsEachRowOnceByTrueAndPredictedClass() {
        MultiLayerNetwork net = sigmoidOfX();
        // Predicted 1 for x > 0: rows (2, true 1), (-1, true 0), (3, true 0), (0.5, true 1), (-4, true 1).
        TabularDataset test =
                new TabularDataset(new float[][] {{2}, {-1}, {3}, {0.5f}, {-4}}, new int[] {1, 0, 0, 1, 1}, 2);

        long[] counts = Evaluator.confusionMatrix(net, test);

        // Row-major, true × predicted: [0→0, 0→1, 1→0, 1→1].
        assertThat(counts).containsExactly(1, 1, 1, 2);
        assertThat(counts[0] + counts[3])
                .isEqualTo(Evaluator.evaluate(net, test).correct());
    }

    @Test
    void theScoreHistogramCountsEachRowOnceByTrueClassAndBinOfItsProbabilityOfClassOne() {
        MultiLayerNetwork net = sigmoidOfX();
        // P(1 | x) = sigmoid(x): 0.881 (bin 3 of 4), 0.269 (bin 1), 0.953 (bin 3), 0.622 (bin 2), 0.018 (bin 0).
        TabularDataset test =
                new TabularDataset(new float[][] {{2}, {-1}, {3}, {0.5f}, {-4}}, new int[] {1, 0, 0, 1, 1}, 2);

        long[] counts = Evaluator.scoreHistogram(org.cohort.learning.model.Network.of(net), test, 4);

        // Row-major, true class × bin: class 0 in bins 1 and 3; class 1 in bins 0, 2 and 3.
        assertThat(counts).containsExactly(0, 1, 0, 1, 1, 0, 1, 1);
        var threeClasses = new TabularDataset(new float[][] {{1}}, new int[] {2}, 3);
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> Evaluator.scoreHistogram(org.cohort.learning.model.Network.of(net), threeClasses, 4))
                .hasMessageContaining("binary");
    }

    @Test
    void predictionsMadeOutsideGiveTheSameMetricsAsTheNetworkAndBadOnesAreRefused() {
        MultiLayerNetwork net = sigmoidOfX();
        TabularDataset test = new TabularDataset(new float[][] {{2}, {-1}, {3}, {0.5f}}, new int[] {1, 0, 0, 1}, 2);
        float[][] p = Evaluator.probabilities(org.cohort.learning.model.Network.of(net), test);
        assertThat(Evaluator.evaluate(p, test)).isEqualTo(Evaluator.evaluate(net, test));
        assertThat(Evaluator.confusionMatrix(p, test)).containsExactly(Evaluator.confusionMatrix(net, test));
        assertThat(Evaluator.scoreHistogram(p, test, 40))
                .containsExactly(Evaluator.scoreHistogram(org.cohort.learning.model.Network.of(net), test, 40));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Evaluator.evaluate(new float[3][2], test))
                .hasMessageContaining("predictions for 3 rows, but the test set has 4");
        org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                        Evaluator.evaluate(new float[][] {{1}, {1}, {1}, {1}}, test))
                .hasMessageContaining("1 class probabilities, but the test set has 2 classes");
        org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                        Evaluator.confusionMatrix(new float[][] {{0, 1}, {0, 1}, {0, 1}, {Float.NaN, 1}}, test))
                .hasMessageContaining("outside [0, 1]");
    }

    @Test
    void pooledCombinesByCountsNotByAveragingAccuracies() {
        EvaluationResult big = new EvaluationResult(0.9, 0.3, 100, 90);
        EvaluationResult small = new EvaluationResult(0.5, 0.7, 10, 5);

        EvaluationResult pooled = EvaluationResult.pooled(List.of(big, small, EvaluationResult.empty()));

        assertThat(pooled.examples()).isEqualTo(110);
        assertThat(pooled.correct()).isEqualTo(95);
        assertThat(pooled.accuracy()).isCloseTo(95.0 / 110, within(1e-12));
        assertThat(pooled.logLoss()).isCloseTo((0.3 * 100 + 0.7 * 10) / 110, within(1e-12));
    }

    @Test
    void emptyTestSetGivesEmptyResult() {
        MultiLayerNetwork net = new ModelSpec(ModelPreset.logisticRegression()
                        .configJson(3, 2, new TrainingPlan(1, 1, Optimizer.SGD, 0.1, 1)))
                .newNetwork();

        EvaluationResult result = Evaluator.evaluate(net, new TabularDataset(new float[0][], new int[0], 2));

        assertThat(result.examples()).isZero();
        assertThat(result.accuracy()).isNaN();
        assertThat(EvaluationResult.pooled(List.of()).examples()).isZero();
    }

    @Test
    void aDivergedNetworkIsEvaluatedWhileOutsidePredictionsMustBeDistributions() {
        MultiLayerNetwork net = new ModelSpec(ModelPreset.logisticRegression()
                        .configJson(3, 2, new TrainingPlan(1, 1, Optimizer.SGD, 0.1, 1)))
                .newNetwork();
        net.params().assign(Float.NaN);
        var test = new TabularDataset(new float[][] {{1, 2, 3}, {0, 1, 0}}, new int[] {0, 1}, 2);

        // This process's own model: its NaN scores are its metrics, not a failed round.
        assertThat(Evaluator.evaluate(net, test).examples()).isEqualTo(2);
        assertThat(Evaluator.evaluate(net, test).logLoss()).isFinite();
        assertThat(Evaluator.scoreHistogram(org.cohort.learning.model.Network.of(net), test, 4))
                .hasSize(8);
        // From an external trainer the same scores are refused.
        float[][] nan = {{Float.NaN, Float.NaN}, {0.5f, 0.5f}};
        assertThatThrownBy(() -> Evaluator.evaluate(nan, test)).hasMessageContaining("outside [0, 1]");
        assertThatThrownBy(() -> Evaluator.scoreHistogram(nan, test, 4)).hasMessageContaining("outside [0, 1]");
    }

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }
}
