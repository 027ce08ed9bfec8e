package org.cohort.learning.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.cohort.learning.data.CsvTableLoader;
import org.cohort.learning.data.LoadedTable;
import org.cohort.learning.data.PreprocessingPolicy;
import org.cohort.learning.data.SplitData;
import org.cohort.learning.data.SplitKey;
import org.cohort.learning.data.SplitRule;
import org.cohort.learning.data.SyntheticHospitals;
import org.cohort.learning.data.TabularDataset;
import org.cohort.learning.model.ModelPreset;
import org.cohort.learning.model.ModelSpec;
import org.cohort.learning.model.Optimizer;
import org.cohort.learning.model.ParameterVectors;
import org.cohort.learning.model.TrainingPlan;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The design requirement the project's integration test relies on: on {@link SyntheticHospitals}
 * data, federated training matches central training while no single site comes close. FedAvg
 * here is plain float[] averaging, exactly what the coordinator does without privacy or masking.
 */
class FederatedBaselinesTest {

    // The hyperparameters the gRPC integration test reuses.
    static final int SITES = 3;
    static final int ROWS_PER_SITE = 400;
    static final double TEST_FRACTION = 0.25;
    static final int LOCAL_EPOCHS = 5;
    static final int BATCH_SIZE = 32;
    static final double LEARNING_RATE = 0.2;
    static final int ROUNDS = 10;
    static final int BASELINE_EPOCHS = 40;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {7, 2024})
    void fedAvgMatchesCentralWhileNoSingleSiteComesClose(long seed) throws Exception {
        SyntheticHospitals hospitals = SyntheticHospitals.generate(SITES, ROWS_PER_SITE, seed);
        List<SplitData> sites = new ArrayList<>();
        for (Path csv : hospitals.writeCsv(dir)) {
            LoadedTable table = CsvTableLoader.load(csv, hospitals.schema());
            sites.add(SplitData.prepare(
                    table,
                    hospitals.schema(),
                    new SplitRule.Keyed(splitKey(seed), TEST_FRACTION, seed),
                    PreprocessingPolicy.DECLARED_ONLY));
        }
        TabularDataset pooledTrain =
                TabularDataset.concat(sites.stream().map(SplitData::train).toList());
        TabularDataset pooledTest =
                TabularDataset.concat(sites.stream().map(SplitData::test).toList());

        TrainingPlan plan = new TrainingPlan(LOCAL_EPOCHS, BATCH_SIZE, Optimizer.SGD, LEARNING_RATE, seed);
        ModelSpec spec = new ModelSpec(ModelPreset.logisticRegression()
                .configJson(
                        hospitals.schema().numEncodedFeatures(),
                        hospitals.schema().numClasses(),
                        plan));
        float[] initial = ParameterVectors.initialParameters(spec.configJson(), seed);

        double central = trainFrom(spec, initial, pooledTrain, plan.withLocalEpochs(BASELINE_EPOCHS), pooledTest);
        double[] single = new double[SITES];
        for (int s = 0; s < SITES; s++) {
            single[s] =
                    trainFrom(spec, initial, sites.get(s).train(), plan.withLocalEpochs(BASELINE_EPOCHS), pooledTest);
        }

        float[] global = initial;
        double[] fedAvg = new double[ROUNDS];
        MultiLayerNetwork net = spec.newNetwork();
        for (int round = 0; round < ROUNDS; round++) {
            double[] sum = new double[global.length];
            long examples = 0;
            for (int s = 0; s < SITES; s++) {
                ParameterVectors.write(net, global);
                TrainingResult result =
                        LocalTrainer.train(net, sites.get(s).train(), plan.withSeed(seed * 1000 + round * 10L + s));
                float[] local = ParameterVectors.read(net);
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += (double) local[i] * result.examples();
                }
                examples += result.examples();
            }
            float[] next = new float[global.length];
            for (int i = 0; i < next.length; i++) {
                next[i] = (float) (sum[i] / examples);
            }
            global = next;
            ParameterVectors.write(net, global);
            fedAvg[round] = Evaluator.evaluate(net, pooledTest).accuracy();
        }

        // One line per seed, so a run documents the numbers the integration test can expect.
        System.out.printf(
                "synthetic seed %d: central %.3f, single sites %s, FedAvg by round %s%n",
                seed, central, format(single), format(fedAvg));
        assertThat(central).as("central accuracy").isGreaterThanOrEqualTo(0.80);
        for (int s = 0; s < SITES; s++) {
            assertThat(single[s])
                    .as("site %d alone vs central %.3f", s, central)
                    .isLessThanOrEqualTo(central - 0.08);
        }
        assertThat(fedAvg[ROUNDS - 1])
                .as("FedAvg after %d rounds vs central %.3f", ROUNDS, central)
                .isGreaterThanOrEqualTo(central - 0.02);
    }

    private static String format(double[] accuracies) {
        return Arrays.stream(accuracies)
                .mapToObj(a -> String.format("%.3f", a))
                .toList()
                .toString();
    }

    private static double trainFrom(
            ModelSpec spec, float[] initial, TabularDataset train, TrainingPlan plan, TabularDataset test) {
        MultiLayerNetwork net = spec.newNetwork();
        ParameterVectors.write(net, initial);
        LocalTrainer.train(net, train, plan);
        return Evaluator.evaluate(net, test).accuracy();
    }

    /** A fixed split secret per seed (a site's agent generates a random one and keeps it). */
    private static SplitKey splitKey(long seed) {
        byte[] secret = new byte[SplitKey.SECRET_BYTES];
        new java.util.Random(seed).nextBytes(secret);
        return SplitKey.of(secret);
    }
}
