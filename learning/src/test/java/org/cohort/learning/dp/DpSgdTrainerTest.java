package org.cohort.learning.dp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.cohort.learning.data.SyntheticHospitals;
import org.cohort.learning.data.TabularDataset;
import org.cohort.learning.model.ModelPreset;
import org.cohort.learning.model.Optimizer;
import org.cohort.learning.model.ParameterVectors;
import org.cohort.learning.model.TrainingPlan;
import org.cohort.learning.train.Evaluator;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

class DpSgdTrainerTest {

    @Test
    void dpTrainingStillLearnsOnSyntheticHospitals() {
        SyntheticHospitals hospitals = SyntheticHospitals.generate(3, 1000, 21);
        List<TabularDataset> sites = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
            sites.add(hospitals.dataset(s));
        }
        TabularDataset pooled = shuffled(TabularDataset.concat(sites), 5);
        TabularDataset train = slice(pooled, 0, 2400);
        TabularDataset test = slice(pooled, 2400, pooled.size());
        TrainingPlan plan = new TrainingPlan(4, 64, Optimizer.SGD, 0.5, 1);
        DpSgdPlan dp = DpSgdPlan.matching(plan, train.size(), 1.0, 1.0);
        MultiLayerNetwork net = DpFixtures.network(ModelPreset.mlp(16), train.numFeatures(), 2);
        double before = Evaluator.evaluate(net, test).accuracy();
        // The production noise sampler on seeded bits, so the outcome is fixed.
        NoiseSource noise = new SecureGaussianNoise(DpFixtures.seededBits(3), 24, "seeded test bits");

        DpSgdResult result = DpSgdTrainer.train(net, train, plan, dp, noise, DpFixtures.seededSampling(4));

        double after = Evaluator.evaluate(net, test).accuracy();
        assertThat(after).as("accuracy before %s, after %s", before, after).isGreaterThan(0.75); // chance: ~0.5
        assertThat(result.vectorised()).isTrue();
        assertThat(result.steps()).isEqualTo(4 * 38); // ⌈2400 / 64⌉ = 38 steps per epoch
        assertThat(result.samplingRate()).isEqualTo(64.0 / 2400);
        assertThat(result.meanLoss()).isBetween(0.0, 0.69);
        assertThat((double) result.sampledExamples()).isCloseTo(4 * 38 * 64, within(4 * 38 * 64 * 0.1));
        assertThat(result.accountedNoiseMultiplier()).isLessThan(1.0).isCloseTo(1.0, within(1e-5));
    }

    @Test
    void emptyPoissonBatchStillCountsAsAStep() {
        TabularDataset tiny = DpFixtures.blobs(10, 4, 2);
        DpSgdPlan dp = new DpSgdPlan(2.0, 0.5, 0.001, 5); // q·n = 0.01: almost surely no row is ever sampled
        TrainingPlan sgd = new TrainingPlan(1, 1, Optimizer.SGD, 0.1, 1);
        MultiLayerNetwork net = DpFixtures.network(ModelPreset.logisticRegression(), 4, 2);
        float[] start = ParameterVectors.read(net);
        SeededGaussianNoise noise = new SeededGaussianNoise(6);

        DpSgdResult result = DpSgdTrainer.train(net, tiny, sgd, dp, noise, DpFixtures.seededSampling(8));

        assertThat(result.sampledExamples())
                .as("premise: every batch was empty")
                .isZero();
        assertThat(result.steps()).isEqualTo(5);
        assertThat(result.meanLoss()).isNaN();
        // Each step still released noise of std σ·C, scaled by 1/(q·n) like any step.
        assertThat(noise.sigmas).hasSize(5).containsOnly(2.0 * 0.5);
        float[] end = ParameterVectors.read(net);
        for (int i = 0; i < start.length; i++) {
            double noiseSum = 0;
            for (float[] added : noise.added) {
                noiseSum += added[i];
            }
            double expected = start[i] - 0.1 * noiseSum / dp.expectedBatchSize(tiny.size());
            assertThat((double) end[i]).isCloseTo(expected, within(1e-4 * Math.max(1, Math.abs(expected))));
        }
    }

    @Test
    void reportsWhatTheAccountantMustCharge() {
        TabularDataset data = DpFixtures.blobs(100, 4, 3);
        DpSgdPlan dp = new DpSgdPlan(1.3, 0.7, 0.1, 7);

        DpSgdResult result = DpSgdTrainer.train(
                DpFixtures.network(ModelPreset.mlp(4), 4, 2),
                data,
                DpFixtures.SGD,
                dp,
                new SeededGaussianNoise(1),
                DpFixtures.seededSampling(2));

        assertThat(result.samplingRate()).isEqualTo(0.1);
        assertThat(result.noiseMultiplier()).isEqualTo(1.3);
        assertThat(result.accountedNoiseMultiplier()).isEqualTo(1.3); // an exact Gaussian needs no correction
        assertThat(result.clipNorm()).isEqualTo(0.7);
        assertThat(result.steps()).isEqualTo(7);
        assertThat(result.examples()).isEqualTo(100);
        assertThat(result.toTrainingResult().steps()).isEqualTo(7);
    }

    @Test
    void otherLayerTypesTakeTheFlaggedSlowPath() {
        TabularDataset data = DpFixtures.blobs(60, 5, 4);

        DpSgdResult result = DpSgdTrainer.train(
                PerExampleGradientsTest.dropoutNetwork(),
                data,
                DpFixtures.SGD,
                new DpSgdPlan(1.0, 1.0, 0.2, 3),
                new SeededGaussianNoise(1),
                DpFixtures.seededSampling(3));

        assertThat(result.vectorised()).isFalse();
        assertThat(result.steps()).isEqualTo(3);
    }

    @Test
    void eachOptimiserStepsWithThePrivatisedGradient() {
        TabularDataset data = DpFixtures.blobs(400, 4, 5);
        for (Optimizer optimizer : Optimizer.values()) {
            TrainingPlan plan = new TrainingPlan(5, 40, optimizer, optimizer == Optimizer.ADAM ? 0.02 : 0.1, 1);
            MultiLayerNetwork net = DpFixtures.network(ModelPreset.mlp(6), 4, 2);
            double before = Evaluator.evaluate(net, data).logLoss();

            DpSgdTrainer.train(
                    net,
                    data,
                    plan,
                    DpSgdPlan.matching(plan, data.size(), 0.8, 1.0),
                    new SeededGaussianNoise(2),
                    DpFixtures.seededSampling(6));

            assertThat(Evaluator.evaluate(net, data).logLoss())
                    .as("%s", optimizer)
                    .isLessThan(before);
            assertThat(Evaluator.evaluate(net, data).accuracy())
                    .as("%s", optimizer)
                    .isGreaterThan(0.85);
        }
    }

    @Test
    void largeBatchesOnWideNetworksUseNd4jAndStillLearn() {
        TabularDataset data = DpFixtures.blobs(300, 4, 7);
        TrainingPlan plan = new TrainingPlan(1, 1, Optimizer.SGD, 0.5, 1);
        DpSgdPlan dp = new DpSgdPlan(0.5, 1.0, 1.0, 15); // every row in every step: 300 × 4 202 parameters
        MultiLayerNetwork net = DpFixtures.network(ModelPreset.mlp(600), 4, 2);
        assertThat(PerExampleGradients.forNetwork(net, dp.expectedBatchSize(data.size())))
                .isInstanceOf(VectorisedGradients.class);

        DpSgdResult result =
                DpSgdTrainer.train(net, data, plan, dp, new SeededGaussianNoise(3), DpFixtures.seededSampling(3));

        assertThat(result.vectorised()).isTrue();
        assertThat(result.sampledExamples()).isEqualTo(15 * 300);
        assertThat(Evaluator.evaluate(net, data).accuracy()).isGreaterThan(0.85);
    }

    @Test
    void publicEntryPointUsesSecureSamplingAndNoise() {
        TabularDataset data = DpFixtures.blobs(200, 4, 6);
        MultiLayerNetwork net = DpFixtures.network(ModelPreset.logisticRegression(), 4, 2);

        DpSgdResult result = DpSgdTrainer.train(
                net,
                data,
                DpFixtures.SGD,
                DpSgdPlan.ofEpochs(1.0, 1.0, 20, data.size(), 1),
                SecureGaussianNoise.create());

        assertThat(result.steps()).isEqualTo(10);
        assertThat(result.noise()).contains("DRBG");
    }

    @Test
    void rejectsWhatItCannotAccountFor() {
        MultiLayerNetwork regularised = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .dataType(DataType.FLOAT)
                .updater(new Sgd(0.1))
                .l2(1e-4)
                .list()
                .layer(new DenseLayer.Builder()
                        .nIn(4)
                        .nOut(3)
                        .activation(Activation.RELU)
                        .build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT)
                        .nIn(3)
                        .nOut(2)
                        .activation(Activation.SOFTMAX)
                        .build())
                .build());
        regularised.init();
        TabularDataset data = DpFixtures.blobs(20, 4, 1);
        DpSgdPlan dp = new DpSgdPlan(1, 1, 0.5, 1);
        NoiseSource noise = new SeededGaussianNoise(1);

        assertThatThrownBy(() -> DpSgdTrainer.train(regularised, data, DpFixtures.SGD, dp, noise))
                .hasMessageContaining("layer 0")
                .hasMessageContaining("regularisation");
        MultiLayerNetwork net = DpFixtures.network(ModelPreset.logisticRegression(), 4, 2);
        assertThatThrownBy(() -> DpSgdTrainer.train(net, DpFixtures.blobs(20, 5, 1), DpFixtures.SGD, dp, noise))
                .hasMessageContaining("5 features but the model expects 4");
        assertThatThrownBy(() -> DpSgdTrainer.train(
                        net, new TabularDataset(new float[0][], new int[0], 2), DpFixtures.SGD, dp, noise))
                .hasMessageContaining("no training examples");
        assertThat(noise)
                .extracting(n -> ((SeededGaussianNoise) n).sigmas)
                .asList()
                .isEmpty();
    }

    private static TabularDataset shuffled(TabularDataset data, long seed) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < data.size(); i++) {
            order.add(i);
        }
        java.util.Collections.shuffle(order, new Random(seed));
        return data.select(order.stream().mapToInt(Integer::intValue).toArray());
    }

    private static TabularDataset slice(TabularDataset data, int from, int to) {
        int[] rows = new int[to - from];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = from + i;
        }
        return data.select(rows);
    }
}
