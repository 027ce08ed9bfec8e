package org.cohort.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cohort.coordinator.aggregation.MemoryState;
import org.cohort.coordinator.aggregation.Strategy;
import org.cohort.coordinator.study.StudySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A FedAdam study's rounds through the real merge and registry files: the moments lie next to each
 * version, the next round (whichever replica drives it) steps from them, and a version whose
 * moments are lost makes no further version.
 */
class ServerOptimizerRoundTest {
    @TempDir
    Path dir;

    private RoundRig rig;

    private static StudySpec fedAdam() {
        var dataset = new StudySpec.Dataset(
                "csv", List.of(new StudySpec.Feature("age", 50.0, 10.0, null)), "target", null, null, null);
        return new StudySpec("test", null, null, dataset, 3, 2, 60, 1, "fedadam", null, null, null).withDefaults();
    }

    private static final float[] A = {1, 2, 3, 4, 5, 6, 7, 8};
    private static final float[] B = {3, -4, 5, 6, 0, 8, 9, 1};

    private void runRound() {
        rig.orchestrator.tick();
        RoundState round = rig.active("st-1");
        rig.upload("a", round, A);
        rig.upload("b", round, B);
        rig.cluster.deliver();
    }

    /** The same two rounds stepped in memory: both sites declare the same weight, so Δ = (A + B) / 2. */
    private static float[] expected(int rounds) {
        var strategy = Strategy.named("fedadam", fedAdam().strategyOptions());
        var state = new MemoryState(2, RoundRig.PARAMETERS);
        float[] x = new float[RoundRig.PARAMETERS];
        double[] sum = new double[RoundRig.PARAMETERS];
        for (int i = 0; i < sum.length; i++) {
            sum[i] = RoundRig.DECLARED * ((double) A[i] + B[i]);
        }
        for (int r = 0; r < rounds; r++) {
            x = strategy.step(2 * RoundRig.DECLARED, 2, state).next(x, sum);
            state.advance();
        }
        return x;
    }

    @Test
    void eachVersionCarriesItsMomentsAndTheNextRoundStepsFromThem() throws IOException {
        rig = new RoundRig(dir);
        rig.study("st-1", fedAdam());
        rig.connect("st-1", "a", "b");
        rig.orchestrator.start();
        runRound();
        runRound();

        var v3 = rig.registry.find("st-1", 3).orElseThrow();
        assertThat(rig.registry.readParameters(v3)).containsExactly(expected(2));
        assertThat(rig.registry.readParameters(v3)).isNotEqualTo(expected(1));
        // Only the current version's moments are read again: the older ones are pruned with each round.
        assertThat(rig.registry.state(rig.registry.find("st-1", 2).orElseThrow()))
                .isEmpty();
        assertThat(rig.registry.state(v3)).isPresent();
        assertThat(rig.registry.find("st-1", 2)).isPresent();
        try (var files = Files.list(dir.resolve("models/st-1"))) {
            assertThat(files.map(f -> f.getFileName().toString()).filter(f -> f.contains(".state")))
                    .containsExactly(v3.path().getFileName().toString().replace(".f32", ".state"));
        }
    }

    @Test
    void pruningKeepsTheCurrentStateAndLaterStagings() throws IOException {
        rig = new RoundRig(dir);
        Path models = Files.createDirectories(dir.resolve("models/st-1"));
        for (String f : List.of(
                "v1.state",
                "v2.state",
                "v3.state",
                "v2-0123456789abcdef.state",
                "v3-0123456789abcdef.state",
                "v2.state.123.tmp",
                "v3.state.45.tmp",
                "v4.state.6.tmp",
                "v2.f32")) {
            Files.writeString(models.resolve(f), "x");
        }
        assertThat(rig.registry.pruneStates("st-1", 3)).isEqualTo(5);
        try (var files = Files.list(models)) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .containsExactlyInAnyOrder("v3.state", "v3-0123456789abcdef.state", "v4.state.6.tmp", "v2.f32");
        }
        assertThat(rig.registry.pruneStates("st-2", 3)).isZero();
    }

    @Test
    void aVersionWhoseMomentsAreLostMakesNoFurtherVersion() throws IOException {
        rig = new RoundRig(dir);
        rig.study("st-1", fedAdam());
        rig.connect("st-1", "a", "b");
        rig.orchestrator.start();
        runRound();
        Files.delete(
                rig.registry.state(rig.registry.find("st-1", 2).orElseThrow()).orElseThrow());
        runRound();

        assertThat(rig.registry.find("st-1", 3)).isEmpty();
        assertThat(rig.history.rounds.values())
                .anySatisfy(r -> assertThat(r.detail()).contains("has no fedadam state"));
    }
}
