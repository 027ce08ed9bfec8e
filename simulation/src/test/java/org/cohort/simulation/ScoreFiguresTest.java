package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class ScoreFiguresTest {
    private static final String EVALUATION = """
            {"version": 4, "pooledAccuracy": 0.8, "scores": {
              "pooled": {"auroc": 0.875, "auprc": 0.8, "calibrationError": 0.05, "examples": 10},
              "bySite": {"id-a": {"auroc": 0.9, "auprc": 0.85, "calibrationError": 0.04, "examples": 6},
                         "id-b": {"auroc": null, "auprc": null, "calibrationError": 0.1, "examples": 4}}}}
            """;

    @Test
    void theReportedFiguresAreReadByTheDemosSiteNamesAndPrintedPooledFirst() {
        var evaluation = JsonMapper.builder().build().readTree(EVALUATION);
        var figures = ScoreFigures.of(evaluation, List.of("Alpha", "Beta"), Map.of("Alpha", "id-a", "Beta", "id-b"));
        assertThat(figures.pooled().auroc()).isEqualTo(0.875);
        assertThat(figures.bySite().get("Beta").auroc()).isNull();

        var bytes = new ByteArrayOutputStream();
        figures.print(new PrintStream(bytes, true, StandardCharsets.UTF_8), "title:");
        var lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines.get(0)).isEqualTo("title:");
        assertThat(lines.get(1)).contains("AUROC", "AUPRC", "ECE");
        assertThat(lines.get(2)).startsWith("pooled").contains("0.875", "0.800", "0.050");
        assertThat(lines.get(3)).startsWith("Alpha").contains("0.900");
        assertThat(lines.get(4)).startsWith("Beta").contains("-", "0.100");
    }

    @Test
    void anEvaluationWithoutScoresHasNoFigures() {
        var evaluation = JsonMapper.builder().build().readTree("{\"pooledAccuracy\": 0.5, \"scores\": null}");
        assertThat(ScoreFigures.of(evaluation, List.of("Alpha"), Map.of("Alpha", "id-a")))
                .isNull();
    }
}
