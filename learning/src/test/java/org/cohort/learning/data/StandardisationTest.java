package org.cohort.learning.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StandardisationTest {

    static final TabularSchema SCHEMA = new TabularSchema(
            List.of(FeatureColumn.numeric("declared", 10, 2), FeatureColumn.locallyStandardised("local")),
            "y",
            LabelRule.classIndex(2));
    static final SplitRule RULE = new SplitRule.Keyed(TrainTestSplitTest.key(4), 0.25, 4);

    @Test
    void localStandardisationUsesOnlyOwnTrainingSplit() {
        TabularDataset site = rows(40, 0);
        SplitData prepared =
                SplitData.prepare(site, RowKeys.content(), SCHEMA, RULE, PreprocessingPolicy.DATA_STATISTICS_ALLOWED);
        SplitData split = TrainTestSplit.split(site, RowKeys.content(), RULE);

        // Statistics come from the training rows alone...
        Standardisation fitted = Standardisation.fit(split.train(), SCHEMA);
        assertThat(fitted.positions()).containsExactly(1);
        assertThat(fitted.means()[0]).isCloseTo(mean(split.train(), 1), within(1e-9));
        // ...so the prepared training column has mean 0 and sd 1, and the test column is scaled with them.
        assertThat(mean(prepared.train(), 1)).isCloseTo(0, within(1e-5));
        assertThat(sd(prepared.train(), 1)).isCloseTo(1, within(1e-5));
        float rawTest = split.test().features()[0][1];
        assertThat((double) prepared.test().features()[0][1])
                .isCloseTo((rawTest - fitted.means()[0]) / fitted.stds()[0], within(1e-5));
        // Declared columns are left as the loader scaled them.
        assertThat(prepared.train().features()[0][0]).isEqualTo(split.train().features()[0][0]);
    }

    @Test
    void changingTestRowsDoesNotChangeHowTrainingRowsAreScaled() {
        TabularDataset site = rows(40, 0);
        SplitData split = TrainTestSplit.split(site, RowKeys.content(), RULE);
        TabularDataset inflatedTest = new TabularDataset(
                Arrays.stream(split.test().features())
                        .map(r -> new float[] {r[0], r[1] * 1000})
                        .toArray(float[][]::new),
                split.test().labels(),
                2);

        Standardisation fromTrain = Standardisation.fit(split.train(), SCHEMA);
        Standardisation again = Standardisation.fit(TabularDataset.concat(List.of(split.train())), SCHEMA);

        assertThat(again.means()).containsExactly(fromTrain.means());
        assertThat(fromTrain.apply(inflatedTest).features()[0][1])
                .isNotEqualTo(split.test().features()[0][1]);
    }

    @Test
    void eachSiteFitsItsOwnStatistics() {
        // Two sites measuring in different units: each standardises to its own mean 0.
        SplitData a = SplitData.prepare(
                rows(40, 0), RowKeys.content(), SCHEMA, RULE, PreprocessingPolicy.DATA_STATISTICS_ALLOWED);
        SplitData b = SplitData.prepare(
                rows(40, 1000), RowKeys.content(), SCHEMA, RULE, PreprocessingPolicy.DATA_STATISTICS_ALLOWED);

        assertThat(mean(a.train(), 1)).isCloseTo(0, within(1e-4));
        assertThat(mean(b.train(), 1)).isCloseTo(0, within(1e-4));
    }

    @Test
    void constantColumnIsCentredNotDividedByZero() {
        TabularDataset constant = new TabularDataset(new float[][] {{0, 5}, {0, 5}, {0, 5}}, new int[] {0, 1, 0}, 2);

        TabularDataset scaled = Standardisation.fit(constant, SCHEMA).apply(constant);

        assertThat(scaled.features()[0][1]).isZero();
    }

    private static TabularDataset rows(int n, double shift) {
        float[][] x = new float[n][];
        int[] y = new int[n];
        Random random = new Random(n);
        for (int i = 0; i < n; i++) {
            x[i] = new float[] {(float) random.nextGaussian(), (float) (shift + 50 + 7 * random.nextGaussian())};
            y[i] = i % 2;
        }
        return new TabularDataset(x, y, 2);
    }

    private static double mean(TabularDataset data, int column) {
        return Arrays.stream(data.features())
                .mapToDouble(r -> r[column])
                .average()
                .orElseThrow();
    }

    private static double sd(TabularDataset data, int column) {
        double m = mean(data, column);
        double squares = Arrays.stream(data.features())
                .mapToDouble(r -> (r[column] - m) * (r[column] - m))
                .sum();
        return Math.sqrt(squares / (data.size() - 1));
    }
}
