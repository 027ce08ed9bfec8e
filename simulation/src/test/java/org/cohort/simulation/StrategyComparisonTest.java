package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * The strategy comparison's table and comparison.json, rendered from made-up runs (the demo's
 * runs start a coordinator and agents as processes, too slow for a unit test).
 */
class StrategyComparisonTest {

    private static Accuracies acc(double pooled, double a, double b) {
        var bySite = new LinkedHashMap<String, Double>();
        bySite.put("cleveland", a);
        bySite.put("hungarian", b);
        return new Accuracies(bySite, pooled);
    }

    private static List<StrategyComparison.Entry> runs(boolean dp) {
        return List.of(
                new StrategyComparison.Entry(
                        "fedavg",
                        null,
                        Metric.ACCURACY,
                        acc(0.8, 0.75, 0.85),
                        10,
                        61.25,
                        1_234_567,
                        98_765,
                        dp ? Map.of("cleveland", 0.99, "hungarian", 0.97) : null,
                        "/w/fedavg/summary.json"),
                new StrategyComparison.Entry(
                        "fedadam",
                        "FAILED: round 3 failed 4 times",
                        Metric.ACCURACY,
                        null,
                        2,
                        20.0,
                        -1,
                        -1,
                        dp ? Map.of("cleveland", 0.3) : null,
                        null));
    }

    private static String table(List<StrategyComparison.Entry> entries, Metric metric) {
        var bytes = new ByteArrayOutputStream();
        StrategyComparison.print(
                new PrintStream(bytes, true, StandardCharsets.UTF_8),
                "heading",
                metric,
                StrategyComparison.sites(entries),
                entries);
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aRowPerStrategyWithTheMetricPerSiteRoundsTimeAndBytes() {
        String t = table(runs(false), Metric.ACCURACY);
        var lines = t.lines().toList();

        assertThat(lines.get(0)).isEqualTo("heading");
        assertThat(lines.get(1))
                .startsWith(
                        "strategy       pooled acc     cleveland     hungarian  rounds      time       sent   received")
                .doesNotContain("ε");
        assertThat(lines.get(2))
                .startsWith(
                        "fedavg              80.0%         75.0%         85.0%      10    61.3 s     1.2 MB    98.8 kB");
        assertThat(lines.get(3))
                .startsWith(
                        "fedadam                 -             -             -       2    20.0 s          -          -");
        assertThat(lines.get(4)).isEqualTo("  fedadam did not complete: FAILED: round 3 failed 4 times");
    }

    @Test
    void underDpTheMostEpsilonAnySiteSpent() {
        String t = table(runs(true), Metric.ACCURACY);

        assertThat(t.lines().toList().get(1)).endsWith("max ε");
        assertThat(t.lines().toList().get(2)).endsWith("0.9900");
        assertThat(t.lines().toList().get(3)).endsWith("0.3000");
        assertThat(t).contains("max ε: the most any site spent, at δ = 1e-5");
    }

    @Test
    void aSurvivalComparisonShowsTheCIndex() {
        var entry = new StrategyComparison.Entry(
                "fedprox", null, Metric.C_INDEX, acc(0.7123, 0.65, 0.5), 5, 12, 10, 20, null, null);
        String t = table(List.of(entry), Metric.C_INDEX);

        assertThat(t).contains("pooled C", "0.712", "0.650", "0.500", "10 B", "20 B");
    }

    @Test
    void comparisonJsonHasOneEntryPerStrategyWithTheTablesFields() {
        var json = JsonMapper.builder().build();
        var setting = new LinkedHashMap<String, Object>();
        setting.put("dataset", "heart-disease");
        var root = StrategyComparison.json(json, setting, Metric.ACCURACY, runs(true));

        assertThat(root.get("metric").asString()).isEqualTo("accuracy");
        assertThat(root.get("setting").get("dataset").asString()).isEqualTo("heart-disease");
        var list = root.get("strategies");
        assertThat(list.size()).isEqualTo(2);
        var fedavg = list.get(0);
        assertThat(fedavg.get("strategy").asString()).isEqualTo("fedavg");
        assertThat(fedavg.get("completed").asBoolean()).isTrue();
        assertThat(fedavg.has("detail")).isFalse();
        assertThat(fedavg.get("pooled").asDouble()).isEqualTo(0.8);
        assertThat(fedavg.get("bySite").get("hungarian").asDouble()).isEqualTo(0.85);
        assertThat(fedavg.get("roundsCompleted").asInt()).isEqualTo(10);
        assertThat(fedavg.get("wallSeconds").asDouble()).isEqualTo(61.25);
        assertThat(fedavg.get("bytesSent").asLong()).isEqualTo(1_234_567);
        assertThat(fedavg.get("bytesReceived").asLong()).isEqualTo(98_765);
        assertThat(fedavg.get("maxEpsilon").asDouble()).isEqualTo(0.99);
        assertThat(fedavg.get("summary").asString()).isEqualTo("/w/fedavg/summary.json");
        var fedadam = list.get(1);
        assertThat(fedadam.get("completed").asBoolean()).isFalse();
        assertThat(fedadam.get("detail").asString()).isEqualTo("FAILED: round 3 failed 4 times");
        assertThat(fedadam.get("pooled").isNull()).isTrue();
        assertThat(fedadam.get("bytesSent").isNull()).isTrue();
    }

    @Test
    void readsTheCoordinatorsByteCountersAndSizes() {
        String metrics = """
                # HELP cohort_model_bytes_total
                cohort_model_bytes_total 4096.0
                cohort_upload_bytes_total{replica="a"} 1000.0
                cohort_upload_bytes_total{replica="b"} 24.0
                """;

        assertThat(StrategyComparison.counter(metrics, "cohort_model_bytes_total"))
                .isEqualTo(4096);
        assertThat(StrategyComparison.counter(metrics, "cohort_upload_bytes_total"))
                .isEqualTo(1024);
        assertThat(StrategyComparison.counter(metrics, "cohort_missing_total")).isEqualTo(-1);
        assertThat(StrategyComparison.size(999)).isEqualTo("999 B");
        assertThat(StrategyComparison.size(1500)).isEqualTo("1.5 kB");
        assertThat(StrategyComparison.size(-1)).isEqualTo("-");
    }

    @Test
    void roundsCompletedCountsEachTrainingRoundOnce() {
        var json = JsonMapper.builder().build();
        var rounds = json.readTree("""
                [{"kind":"TRAIN","status":"FAILED","roundNumber":1},
                 {"kind":"TRAIN","status":"COMPLETED","roundNumber":1},
                 {"kind":"TRAIN","status":"COMPLETED","roundNumber":2},
                 {"kind":"EVALUATE","status":"COMPLETED","roundNumber":3}]
                """);

        assertThat(Quickstart.roundsCompleted(rounds)).isEqualTo(2);
    }
}
