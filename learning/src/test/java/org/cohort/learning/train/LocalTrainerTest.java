package org.cohort.learning.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.cohort.learning.data.TabularDataset;
import org.cohort.learning.model.ModelPreset;
import org.cohort.learning.model.ModelSpec;
import org.cohort.learning.model.Optimizer;
import org.cohort.learning.model.ParameterVectors;
import org.cohort.learning.model.TrainingPlan;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;

class LocalTrainerTest {

    static final TabularDataset DATA = Fixtures.blobs(200, 4, 1);
    static final TrainingPlan PLAN = new TrainingPlan(3, 16, Optimizer.SGD, 0.1, 7);
    static final ModelSpec LOGISTIC =
            new ModelSpec(ModelPreset.logisticRegression().configJson(4, 2, PLAN));

    @Test
    void trainingReducesLoss() {
        MultiLayerNetwork net = LOGISTIC.newNetwork();
        double before = Evaluator.evaluate(net, DATA).logLoss();

        TrainingResult result = LocalTrainer.train(net, DATA, PLAN);

        double after = Evaluator.evaluate(net, DATA).logLoss();
        assertThat(after).isLessThan(before * 0.8);
        assertThat(result.meanLoss()).isLessThan(before);
        assertThat(Evaluator.evaluate(net, DATA).accuracy()).isGreaterThan(0.85);
    }

    @Test
    void mlpTrainsWithEachOptimizer() {
        for (Optimizer optimizer : Optimizer.values()) {
            TrainingPlan plan = new TrainingPlan(5, 16, optimizer, optimizer == Optimizer.ADAM ? 0.01 : 0.05, 3);
            MultiLayerNetwork net = new ModelSpec(ModelPreset.mlp(8).configJson(4, 2, plan)).newNetwork();
            double before = Evaluator.evaluate(net, DATA).logLoss();

            LocalTrainer.train(net, DATA, plan);

            assertThat(Evaluator.evaluate(net, DATA).logLoss())
                    .as("%s", optimizer)
                    .isLessThan(before);
        }
    }

    @Test
    void countsExamplesAndStepsIncludingPartialLastBatch() {
        TrainingResult result = LocalTrainer.train(LOGISTIC.newNetwork(), DATA, PLAN);

        assertThat(result.examples()).isEqualTo(200);
        assertThat(result.steps()).isEqualTo(3 * 13); // ceil(200 / 16) = 13 batches per epoch
    }

    @Test
    void trainingIsDeterministicForSeed() {
        float[] first = trainedParameters(PLAN);
        float[] second = trainedParameters(PLAN);
        float[] otherSeed = trainedParameters(PLAN.withSeed(8));

        assertThat(first).containsExactly(second);
        assertThat(first).isNotEqualTo(otherSeed);
    }

    @Test
    void optimizerStateDoesNotCarryOverBetweenRounds() {
        TrainingPlan adam = new TrainingPlan(2, 16, Optimizer.ADAM, 0.01, 5);
        float[] start = ParameterVectors.read(LOGISTIC.newNetwork());

        MultiLayerNetwork reused = LOGISTIC.newNetwork();
        LocalTrainer.train(reused, DATA, adam); // leaves Adam moments and an iteration count behind
        ParameterVectors.write(reused, start);
        LocalTrainer.train(reused, DATA, adam);

        MultiLayerNetwork fresh = LOGISTIC.newNetwork();
        ParameterVectors.write(fresh, start);
        LocalTrainer.train(fresh, DATA, adam);

        assertThat(ParameterVectors.read(reused)).containsExactly(ParameterVectors.read(fresh));
    }

    @Test
    void planOptimizerOverridesTheOneInTheConfiguration() {
        // LOGISTIC was configured with SGD 0.1; a plan asking for a far smaller rate must move parameters less.
        float[] start = ParameterVectors.read(LOGISTIC.newNetwork());
        float[] big = trainedParameters(PLAN);
        float[] small = trainedParameters(new TrainingPlan(3, 16, Optimizer.SGD, 0.0001, 7));

        assertThat(distance(small, start)).isLessThan(distance(big, start) / 100);
    }

    @Test
    void rejectsDataThatDoesNotFitTheModel() {
        MultiLayerNetwork net = LOGISTIC.newNetwork();

        assertThatThrownBy(() -> LocalTrainer.train(net, Fixtures.blobs(10, 5, 1), PLAN))
                .hasMessageContaining("5 features but the model expects 4");
        assertThatThrownBy(() -> LocalTrainer.train(net, new TabularDataset(new float[0][], new int[0], 2), PLAN))
                .hasMessageContaining("no training examples");
        TabularDataset threeClasses = new TabularDataset(new float[][] {{0, 0, 0, 0}}, new int[] {2}, 3);
        assertThatThrownBy(() -> LocalTrainer.train(net, threeClasses, PLAN))
                .hasMessageContaining("3 classes but the model predicts 2");
    }

    private static float[] trainedParameters(TrainingPlan plan) {
        MultiLayerNetwork net = LOGISTIC.newNetwork();
        LocalTrainer.train(net, DATA, plan);
        return ParameterVectors.read(net);
    }

    private static double distance(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += (a[i] - b[i]) * (a[i] - b[i]);
        }
        return Math.sqrt(sum);
    }
}
