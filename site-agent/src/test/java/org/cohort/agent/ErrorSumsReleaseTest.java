package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.cohort.learning.model.ModelPreset;
import org.cohort.learning.model.Optimizer;
import org.cohort.learning.model.TrainingPlan;
import org.cohort.protocol.ErrorSums;
import org.cohort.protocol.v1.DatasetSpec;
import org.cohort.protocol.v1.FeatureColumnSpec;
import org.cohort.protocol.v1.PrivacyMode;
import org.cohort.protocol.v1.PrivacyPlan;
import org.cohort.protocol.v1.RoundTask;
import org.cohort.protocol.v1.TaskKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A regression study's held-out evaluation is its error sums: exact in clear, and under patient-level
 * DP each value noised at √3 times the evaluation noise multiplier (sensitivity √3), at the same
 * single charge as any other evaluation release.
 */
class ErrorSumsReleaseTest {
    @TempDir
    Path dir;

    private static RoundTask evaluation(PrivacyPlan privacy) {
        var dataset = DatasetSpec.newBuilder()
                .setFormat("csv")
                .setLabelColumn("y")
                .setTask("regression")
                .setLabelMin(0)
                .setLabelMax(100)
                .setTestFraction(0.5)
                .setSplitSeed(1)
                .addFeatures(FeatureColumnSpec.newBuilder()
                        .setName("x")
                        .setHasScaling(true)
                        .setCenter(0)
                        .setScale(100));
        return RoundTask.newBuilder()
                .setStudyId("st-1")
                .setRoundId("r-1")
                .setKind(TaskKind.EVALUATE)
                .setDataset(dataset)
                .setPrivacy(privacy)
                .build();
    }

    /** Rows with y = x + 10 (and one label beyond the range), evaluated by the model ŷ = x (scaled). */
    private LocalLearner.Outcome run(PrivacyPlan privacy) throws Exception {
        var rows = new StringBuilder("x,y\n");
        for (int i = 0; i < 60; i++) {
            rows.append(i).append(',').append(i == 0 ? 140 : i + 10).append('\n');
        }
        Path csv = dir.resolve("data.csv");
        Files.writeString(csv, rows);
        String config =
                ModelPreset.logisticRegression().regressionConfigJson(1, new TrainingPlan(1, 1, Optimizer.SGD, 0.1, 1));
        float[] parameters = {1f, 0f}; // weight 1, bias 0: the scaled prediction is the scaled x
        return new Dl4jLearner(csv).run(evaluation(privacy), config, parameters);
    }

    @Test
    void inClearTheSumsAreExactAndGiveTheErrorsOfThePredictions() throws Exception {
        var outcome = run(PrivacyPlan.getDefaultInstance());
        var sums = outcome.errors();
        assertThat(sums.noised()).isFalse();
        assertThat(sums.count()).isEqualTo(outcome.testExamples()).isPositive();
        // Every held-out row is off by 10 of the range's 100, but x = 0 (label 140, clamped to 100): off by 100.
        double mae = sums.meanAbsoluteError(100);
        assertThat(mae).isIn(10.0, 10.0 + 90.0 / sums.count());
        assertThat(outcome.testCorrect()).isZero();
        var manifest =
                new UpdateUploader("site-a", null).manifest(evaluation(PrivacyPlan.getDefaultInstance()), outcome, 30);
        assertThat(ErrorSums.from(manifest.getMetrics())).isEqualTo(sums);
        assertThat(manifest.getMetrics().getTestExamples()).isEqualTo(sums.count());
    }

    @Test
    void underPatientLevelDpOnlyTheNoisedSumsLeaveAtOneCharge() throws Exception {
        var dp = PrivacyPlan.newBuilder()
                .setMode(PrivacyMode.PRIVACY_MODE_PATIENT)
                .setEvaluationNoiseMultiplier(4)
                .build();
        var outcome = run(dp);
        assertThat(outcome.heldOut()).isNull();
        assertThat(outcome.scores()).isNull();
        assertThat(outcome.errors().noise()).isEqualTo(4 * ErrorSums.SENSITIVITY);
        assertThat(outcome.privacy()).isEqualTo(HeldOutRelease.charge(4.0));
        assertThat(outcome.testExamples()).isZero();
        var manifest = new UpdateUploader("site-a", null).manifest(evaluation(dp), outcome, 30);
        assertThat(manifest.getMetrics().getTestMetricsWithheld()).isTrue();
        assertThat(manifest.getMetrics().getTestLoss()).isZero();
        assertThat(ErrorSums.from(manifest.getMetrics())).isEqualTo(outcome.errors());
        assertThat(manifest.getPayloadSha256().toByteArray())
                .isEqualTo(outcome.errors().sha256());
    }

    @Test
    void eachValueGetsUnbiasedNoiseOfSqrtThreeTimesSigmaInItsUnit() {
        var exact = new ErrorSums(40, 3_000_000, 900_000, 0);
        var random = new SplittableRandom(20261202);
        int n = 4_000;
        double sigma = 2.0;
        double[] sum = new double[3];
        double[] squares = new double[3];
        double[] unit = {1, ErrorSums.QUANTUM, ErrorSums.QUANTUM};
        for (int i = 0; i < n; i++) {
            var release = HeldOutRelease.releaseErrors(exact, sigma, random::nextLong);
            for (int v = 0; v < 3; v++) {
                double noise = (release.values().get(v) - exact.values().get(v)) / unit[v];
                sum[v] += noise;
                squares[v] += noise * noise;
            }
        }
        double variance = 3 * sigma * sigma; // (σ·√3)² = 12
        for (int v = 0; v < 3; v++) {
            // 5 standard errors: the mean's is √12/√n ≈ 0.055, the variance's about 12·√(2/n) ≈ 0.27.
            assertThat(sum[v] / n).as("value %d", v).isCloseTo(0, within(0.3));
            assertThat(squares[v] / n).as("value %d", v).isCloseTo(variance, within(1.4));
        }
    }
}
