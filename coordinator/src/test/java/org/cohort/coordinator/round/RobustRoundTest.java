package org.cohort.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.cohort.coordinator.study.StudySpec;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A robust strategy's round through the real intake, partial sums and merge: the replicas keep
 * each accepted update whole, and the driver aggregates them coordinate by coordinate, so one
 * hostile site's huge update moves the model no further than the honest sites spread.
 */
class RobustRoundTest {
    @TempDir
    Path dir;

    /**
     * Every robust strategy holds maxSites updates of which one is hostile: median and trimmed mean
     * (β = 0.25) take 4 sites, Krum and multi-Krum with f = 1 need more than 2f + 2 = 4, so 5.
     */
    @ParameterizedTest
    @ValueSource(strings = {"median", "trimmed-mean", "krum", "multi-krum"})
    void oneHostileSiteMovesThePublishedModelByNoMoreThanTheHonestSpread(String strategy) {
        boolean krum = strategy.endsWith("krum");
        int held = krum ? 5 : 4;
        var dataset = new StudySpec.Dataset(
                "csv", List.of(new StudySpec.Feature("age", 50.0, 10.0, null)), "target", null, null, null);
        var spec = new StudySpec(
                        "test",
                        null,
                        null,
                        dataset,
                        2,
                        krum ? held : 2,
                        60,
                        1,
                        strategy,
                        null,
                        null,
                        null,
                        new org.cohort.coordinator.study.StrategyOptions(
                                        null, null, null, null, krum ? null : 0.25, held)
                                .withKrum(krum ? 1 : null, null))
                .withDefaults();
        var rig = new RoundRig(dir);
        rig.study("st-1", spec);
        rig.connect("st-1", "a", "b", "c", "d", "evil", "late");
        rig.orchestrator.start();
        rig.orchestrator.tick();
        RoundState round = rig.active("st-1");
        assertThat(round.selected())
                .as("no more than maxSites updates are held")
                .hasSize(held);

        float[][] honest = {
            {1, 2, 3, 4, 5, 6, 7, 8},
            {2, 1, 4, 3, 6, 5, 8, 7},
            {0, 3, 2, 5, 4, 7, 6, 9},
            {1, 1, 3, 3, 5, 5, 7, 7},
            {2, 2, 2, 4, 4, 6, 6, 8},
        };
        List<String> honestSites = round.selected().stream()
                .sorted()
                .filter(s -> !s.equals("evil"))
                .toList();
        for (int s = 0; s < honestSites.size(); s++) {
            rig.upload(honestSites.get(s), round, honest[s]);
        }
        if (round.selected().contains("evil")) {
            rig.upload("evil", round, 1e30f, -1e30f, 1e30f, -1e30f, 1e30f, -1e30f, 1e30f, -1e30f);
        }
        rig.cluster.deliver();

        float[] next = rig.registry.readParameters(rig.registry.find("st-1", 2).orElseThrow());
        for (int i = 0; i < next.length; i++) {
            float lo = Float.MAX_VALUE;
            float hi = -Float.MAX_VALUE;
            for (int s = 0; s < honestSites.size(); s++) {
                lo = Math.min(lo, honest[s][i]);
                hi = Math.max(hi, honest[s][i]);
            }
            assertThat(next[i]).as("coordinate %d", i).isBetween(lo, hi);
        }
        assertThat(rig.replicas.of(RoundRig.ME).rounds()).isEmpty();
        assertThat(dir.resolve("partial-sums")
                        .resolve("held-" + round.roundId())
                        .toFile()
                        .list())
                .isNullOrEmpty();
    }
}
