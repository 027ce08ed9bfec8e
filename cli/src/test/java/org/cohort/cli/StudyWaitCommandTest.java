package org.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class StudyWaitCommandTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void aBinaryStudysRoundShowsThePooledAurocAuprcAndCalibrationError() {
        var round = JSON.readTree("""
                {"status": "COMPLETED", "reported": ["a", "b"], "selected": ["a", "b"], "dropped": {},
                 "evaluation": {"version": 3, "pooledAccuracy": 0.8, "examples": 50, "release": "in clear",
                   "scores": {"pooled": {"auroc": 0.9125, "auprc": null, "calibrationError": 0.04}, "bySite": {}}}}
                """);
        assertThat(StudyWaitCommand.describe(round))
                .contains("held-out accuracy 0.800 (v3, 50 examples, exact)", "pooled AUROC 0.913, AUPRC -, ECE 0.040");
    }

    @Test
    void aStudyWithoutScoresShowsAccuracyAlone() {
        var round = JSON.readTree("""
                {"status": "COMPLETED", "reported": ["a"], "selected": ["a"], "dropped": {},
                 "evaluation": {"version": 3, "pooledAccuracy": 0.5, "examples": 10, "release": "in clear", "scores": null}}
                """);
        assertThat(StudyWaitCommand.describe(round))
                .contains("held-out accuracy 0.500")
                .doesNotContain("AUROC");
    }

    @Test
    void aRoundWhoseFrozenLayersShortenedTheUploadsSaysWhatTheySaved() {
        var round = JSON.readTree("""
                {"status": "COMPLETED", "reported": ["a", "b", "c", "d"], "selected": ["a", "b", "c", "d"],
                 "dropped": {}, "upload": {"updateValues": 34, "updates": 4, "bytesReceived": 544,
                 "fullModelBytes": 4640, "bytesSaved": 4096}}
                """);
        assertThat(StudyWaitCommand.describe(round))
                .contains("uploads 544 B (34 values each; 4640 B with every parameter, 88% saved by frozen layers)");
        var whole = JSON.readTree("""
                {"status": "COMPLETED", "reported": ["a"], "selected": ["a"], "dropped": {},
                 "upload": {"updateValues": 290, "updates": 1, "bytesReceived": 1160, "fullModelBytes": 1160,
                 "bytesSaved": 0}}
                """);
        assertThat(StudyWaitCommand.describe(whole)).doesNotContain("uploads");
    }

    @Test
    void aRegressionStudysRoundShowsThePooledMaeAndRmseInsteadOfAccuracy() {
        var round = JSON.readTree("""
                {"status": "COMPLETED", "reported": ["a"], "selected": ["a"], "dropped": {},
                 "evaluation": {"version": 4, "pooledAccuracy": 0.0, "examples": 188, "release": "from error sums",
                   "scores": null, "errors": {"pooled": {"mae": 20.7301, "rmse": null, "examples": 188}, "bySite": {}}}}
                """);
        assertThat(StudyWaitCommand.describe(round))
                .contains("held-out pooled MAE 20.730, RMSE - (v4, 188 examples, DP estimate from noised error sums)")
                .doesNotContain("accuracy");
    }
}
