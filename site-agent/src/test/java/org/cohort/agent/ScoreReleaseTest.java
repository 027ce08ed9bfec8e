package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.cohort.learning.model.ModelPreset;
import org.cohort.learning.model.ModelSpec;
import org.cohort.learning.model.Optimizer;
import org.cohort.learning.model.TrainingPlan;
import org.cohort.protocol.ScoreHistogram;
import org.cohort.protocol.v1.DatasetSpec;
import org.cohort.protocol.v1.FeatureColumnSpec;
import org.cohort.protocol.v1.PrivacyPlan;
import org.cohort.protocol.v1.RoundTask;
import org.cohort.protocol.v1.TaskKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A binary study's held-out evaluation is a score histogram: exact in clear, and under patient-level
 * DP released in place of the confusion matrix, every count noised, at the same single charge.
 */
class ScoreReleaseTest {
    @TempDir
    Path dir;

    private static RoundTask evaluation(PrivacyPlan privacy) {
        var dataset = DatasetSpec.newBuilder()
                .setFormat("csv")
                .setLabelColumn("num")
                .setPositiveAbove(0.5)
                .setTestFraction(0.5)
                .setSplitSeed(1)
                .addFeatures(FeatureColumnSpec.newBuilder()
                        .setName("age")
                        .setHasScaling(true)
                        .setCenter(50)
                        .setScale(10));
        return RoundTask.newBuilder()
                .setStudyId("st-1")
                .setRoundId("r-1")
                .setKind(TaskKind.EVALUATE)
                .setDataset(dataset)
                .setPrivacy(privacy)
                .build();
    }

    private LocalLearner.Outcome run(PrivacyPlan privacy) throws Exception {
        return run(evaluation(privacy));
    }

    private LocalLearner.Outcome run(RoundTask task) throws Exception {
        var rows = new StringBuilder("age,num\n");
        for (int i = 0; i < 60; i++) {
            rows.append(30 + i).append(',').append(i % 3 == 0 ? 1 : 0).append('\n');
        }
        Path csv = dir.resolve("data.csv");
        Files.writeString(csv, rows);
        String config =
                ModelPreset.logisticRegression().configJson(1, 2, new TrainingPlan(1, 1, Optimizer.SGD, 0.1, 1));
        float[] parameters = new float[new ModelSpec(config).numParameters()];
        parameters[1] = 1f; // P(1 | x) = sigmoid(x): scores spread over the bins
        return new Dl4jLearner(csv).run(task, config, parameters);
    }

    @Test
    void inClearTheHistogramIsExactAndCountsTheReportedRows() throws Exception {
        var outcome = run(PrivacyPlan.getDefaultInstance());
        assertThat(outcome.heldOut()).isNull();
        assertThat(outcome.scores().noised()).isFalse();
        assertThat(outcome.scores().bins()).isEqualTo(ScoreHistogram.BINS);
        assertThat(outcome.scores().examples())
                .isEqualTo(outcome.testExamples())
                .isPositive();
        // Accuracy at 0.5 from the histogram equals the argmax accuracy (no score is exactly 0.5 here).
        assertThat(outcome.scores().correct()).isEqualTo(outcome.testCorrect());
        var manifest =
                new UpdateUploader("site-a", null).manifest(evaluation(PrivacyPlan.getDefaultInstance()), outcome, 30);
        assertThat(ScoreHistogram.from(manifest.getMetrics())).isEqualTo(outcome.scores());
    }

    @Test
    void underPatientLevelDpTheNoisedHistogramReplacesTheConfusionMatrixAtTheSameCharge() throws Exception {
        var dp = PrivacyPlan.newBuilder()
                .setMode(org.cohort.protocol.v1.PrivacyMode.PRIVACY_MODE_PATIENT)
                .setEvaluationNoiseMultiplier(4)
                .build();
        var exact = run(PrivacyPlan.getDefaultInstance()).scores();
        var outcome = run(dp);
        assertThat(outcome.heldOut()).as("no second release").isNull();
        assertThat(outcome.scores().noise()).isEqualTo(4.0);
        assertThat(outcome.scores().counts()).hasSize(2 * ScoreHistogram.BINS).isNotEqualTo(exact.counts());
        assertThat(outcome.privacy()).isEqualTo(HeldOutRelease.charge(4.0));
        assertThat(outcome.testExamples()).isZero();

        var manifest = new UpdateUploader("site-a", null).manifest(evaluation(dp), outcome, 30);
        assertThat(manifest.getMetrics().getNoisedConfusionCount()).isZero();
        assertThat(manifest.getMetrics().getTestMetricsWithheld()).isTrue();
        assertThat(ScoreHistogram.from(manifest.getMetrics())).isEqualTo(outcome.scores());
        assertThat(manifest.getPayloadSha256().toByteArray())
                .isEqualTo(outcome.scores().sha256());
    }

    @Test
    void everyCellOfTheHistogramGetsUnbiasedNoiseOfTheStatedDeviation() {
        long[] counts = new long[2 * ScoreHistogram.BINS];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = i % 7;
        }
        var random = new SplittableRandom(20261202);
        int n = 5_000;
        double[] sum = new double[counts.length];
        double[] squares = new double[counts.length];
        for (int i = 0; i < n; i++) {
            var release = HeldOutRelease.releaseScores(counts, ScoreHistogram.BINS, 4.0, random::nextLong);
            for (int c = 0; c < counts.length; c++) {
                double noise = release.counts().get(c) - counts[c];
                sum[c] += noise;
                squares[c] += noise * noise;
            }
        }
        for (int c = 0; c < counts.length; c++) {
            // 5 standard errors: the mean's is σ/√n = 0.057, the variance's about σ²·√(2/n) = 0.32.
            assertThat(sum[c] / n).as("cell %d", c).isCloseTo(0, within(0.3));
            assertThat(squares[c] / n).as("cell %d", c).isCloseTo(16, within(1.6));
        }
    }

    @Test
    void theHistogramHasTheBinsTheStudyDeclares() throws Exception {
        var dp = PrivacyPlan.newBuilder()
                .setMode(org.cohort.protocol.v1.PrivacyMode.PRIVACY_MODE_PATIENT)
                .setEvaluationNoiseMultiplier(4)
                .build();
        var task = evaluation(dp).toBuilder();
        task.getDatasetBuilder().setScoreBins(4);
        var noised = run(task.build()).scores();
        assertThat(noised.bins()).isEqualTo(4);
        assertThat(noised.counts()).hasSize(8);
        var clear = evaluation(PrivacyPlan.getDefaultInstance()).toBuilder();
        clear.getDatasetBuilder().setScoreBins(6);
        var exact = run(clear.build()).scores();
        assertThat(exact.bins()).isEqualTo(6);
        // The same rows, binned more coarsely than the default 20.
        assertThat(exact.examples())
                .isEqualTo(run(PrivacyPlan.getDefaultInstance()).scores().examples());
    }
}
