package org.cohort.learning.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.cohort.learning.model.ModelPreset;
import org.cohort.learning.model.ModelSpec;
import org.cohort.learning.model.Optimizer;
import org.cohort.learning.model.TrainingPlan;
import org.cohort.learning.train.Evaluator;
import org.cohort.learning.train.LocalTrainer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Uses the UCI Heart Disease data (Janosi, Steinbrunn, Pfisterer, Detrano 1988; CC BY 4.0) from
 * the shared datasets folder, never a copy in the repository; skipped where it is absent.
 */
class HeartDiseaseTest {

    static Path directory;

    @BeforeAll
    static void locate() {
        Optional<Path> found = HeartDisease.locateDataDirectory();
        assumeTrue(found.isPresent(), "heart disease data not found; set COHORT_HEART_DATA to run these tests");
        directory = found.get();
    }

    @Test
    void heartDiseaseKeeps740RowsAfterPreparation() throws IOException {
        List<Long> kept = new ArrayList<>();
        long read = 0;
        for (String centre : HeartDisease.centres()) {
            LoadedTable table = HeartDisease.load(HeartDisease.file(directory, centre));
            kept.add((long) table.dataset().size());
            read += table.rowsRead();
            assertThat(table.dataset().size() + table.rowsDroppedForMissingValues())
                    .isEqualTo(table.rowsRead());
        }

        assertThat(read).isEqualTo(920);
        assertThat(kept).containsExactly(303L, 261L, 46L, 130L);
        assertThat(kept.stream().mapToLong(Long::longValue).sum()).isEqualTo(740);
    }

    @Test
    void encodesFifteenFeaturesWithOneHotChestPainAndEcg() throws IOException {
        TabularDataset cleveland =
                HeartDisease.load(HeartDisease.file(directory, "cleveland")).dataset();

        assertThat(HeartDisease.schema().encodedFeatureNames())
                .containsExactly(
                        "age",
                        "sex",
                        "cp=1",
                        "cp=2",
                        "cp=3",
                        "cp=4",
                        "trestbps",
                        "chol",
                        "fbs",
                        "restecg=0",
                        "restecg=1",
                        "restecg=2",
                        "thalach",
                        "exang",
                        "oldpeak");
        // First Cleveland row: 63,1,1,145,233,1,2,150,0,2.3,... num 0.
        assertThat(cleveland.features()[0])
                .containsExactly(
                        new float[] {1.3f, 1f, 1f, 0f, 0f, 0f, 0.75f, 0.33f, 1f, 0f, 0f, 1f, 0.4f, 0f, 1.3f},
                        within(1e-5f));
        assertThat(cleveland.labels()[0]).isZero();
        assertThat(cleveland.labels()[1]).isEqualTo(1); // num = 2
    }

    @Test
    void centresHaveDifferentDiseaseRates() throws IOException {
        double cleveland = positiveRate(
                HeartDisease.load(HeartDisease.file(directory, "cleveland")).dataset());
        double switzerland = positiveRate(
                HeartDisease.load(HeartDisease.file(directory, "switzerland")).dataset());

        assertThat(cleveland).isBetween(0.4, 0.5);
        assertThat(switzerland).isGreaterThan(0.85);
    }

    @Test
    void logisticRegressionLearnsFromPooledCentres() throws IOException {
        List<SplitData> splits = new ArrayList<>();
        for (String centre : HeartDisease.centres()) {
            LoadedTable table = HeartDisease.load(HeartDisease.file(directory, centre));
            splits.add(SplitData.prepare(
                    table,
                    HeartDisease.schema(),
                    new SplitRule.Keyed(TrainTestSplitTest.key(1), 0.25, 1),
                    PreprocessingPolicy.DECLARED_ONLY));
        }
        TrainingPlan plan = new TrainingPlan(30, 32, Optimizer.SGD, 0.1, 1);
        MultiLayerNetwork net = new ModelSpec(ModelPreset.logisticRegression()
                        .configJson(HeartDisease.schema().numEncodedFeatures(), 2, plan))
                .newNetwork();

        LocalTrainer.train(
                net, TabularDataset.concat(splits.stream().map(SplitData::train).toList()), plan);

        double accuracy = Evaluator.evaluate(
                        net,
                        TabularDataset.concat(
                                splits.stream().map(SplitData::test).toList()))
                .accuracy();
        assertThat(accuracy).isGreaterThan(0.75);
    }

    private static double positiveRate(TabularDataset data) {
        return (double) data.classCounts()[1] / data.size();
    }
}
