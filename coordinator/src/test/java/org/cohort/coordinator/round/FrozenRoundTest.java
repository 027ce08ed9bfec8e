package org.cohort.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.cohort.coordinator.aggregation.MemoryState;
import org.cohort.coordinator.aggregation.Strategy;
import org.cohort.coordinator.study.Study;
import org.cohort.coordinator.study.StudySpec;
import org.cohort.coordinator.study.StudyStatus;
import org.cohort.learning.model.FrozenLayers;
import org.cohort.learning.model.KerasImport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plain rounds of a study that freezes the Heart MLP's hidden layer, through the real merge and
 * registry files: sites upload the 34 output-layer values, the strategy (a stateful server
 * optimiser, and a robust one) steps that part, the frozen 256 values of each new version are
 * bit for bit the supplied ones, an upload of the whole model is refused, and each accepted
 * upload's size is on record.
 */
class FrozenRoundTest {
    private static final Path KERAS = Path.of("..", "docs", "models", "heart-mlp-keras.h5");

    @TempDir
    Path dir;

    private RoundRig rig;
    private KerasImport.Imported keras;
    private FrozenLayers frozen;

    private void study(String strategy) throws Exception {
        byte[] file = Files.readAllBytes(KERAS);
        keras = KerasImport.read(file);
        frozen = FrozenLayers.resolve(keras.spec(), List.of("hidden"));
        var dataset = new StudySpec.Dataset(
                "csv", List.of(new StudySpec.Feature("age", 50.0, 10.0, null)), "target", null, null, null);
        var spec = new StudySpec(
                        "frozen",
                        new StudySpec.Model(
                                null, null, 1L, null, Base64.getEncoder().encodeToString(file), List.of("hidden")),
                        null,
                        dataset,
                        3,
                        2,
                        60,
                        1,
                        strategy,
                        null,
                        null,
                        null)
                .withDefaults();
        String config = keras.spec().normalisedJson();
        var t0 = RoundRig.T0;
        rig = new RoundRig(dir);
        rig.studies.insert(new Study("st-f", spec, config, StudyStatus.RUNNING, "created", 1, 0, t0, t0));
        rig.registry.publish("st-f", 1, 0, 0, config, keras.parameters(), List.of());
        rig.connect("st-f", "a", "b");
        rig.orchestrator.start();
    }

    private static float[] delta(int n, float scale) {
        float[] d = new float[n];
        for (int i = 0; i < n; i++) {
            d[i] = scale * ((i % 7) - 3) / 10f;
        }
        return d;
    }

    private float[] version(long v) {
        return rig.registry.readParameters(rig.registry.find("st-f", v).orElseThrow());
    }

    @Test
    void aServerOptimiserStepsTheTrainablePartAndTheFrozenLayerStaysBitIdentical() throws Exception {
        study("fedadam");
        int n = (int) frozen.trainableCount();
        float[] a = delta(n, 1);
        float[] b = delta(n, -0.5f);
        var strategy = Strategy.named("fedadam", null);
        var state = new MemoryState(2, n);
        float[] expected = frozen.slice(keras.parameters());
        double[] sum = new double[n];
        for (int i = 0; i < n; i++) {
            sum[i] = RoundRig.DECLARED * ((double) a[i] + b[i]);
        }
        for (long v = 2; v <= 3; v++) {
            rig.orchestrator.tick();
            RoundState round = rig.active("st-f");
            rig.upload("a", round, a);
            rig.upload("b", round, b);
            rig.cluster.deliver();
            expected = strategy.step(2 * RoundRig.DECLARED, 2, state).next(expected, sum);
            state.advance();

            float[] next = version(v);
            assertThat(next).hasSize(290);
            assertThat(frozen.scatter(keras.parameters(), frozen.slice(next))).isEqualTo(next);
            assertThat(frozen.slice(next)).containsExactly(expected);
        }
        assertThat(rig.history.reports)
                .filteredOn(r -> r.outcome().equals("ACCEPTED"))
                .hasSize(4)
                .allSatisfy(r -> assertThat(r.upload()).isEqualTo(new UploadSize(34, 136, 1160)));
    }

    @Test
    void aRobustStrategyChoosesAmongTheTrainableParts() throws Exception {
        study("median");
        int n = (int) frozen.trainableCount();
        rig.orchestrator.tick();
        RoundState round = rig.active("st-f");
        rig.upload("a", round, delta(n, 1));
        rig.upload("b", round, delta(n, 3));
        rig.cluster.deliver();

        float[] next = version(2);
        assertThat(frozen.scatter(keras.parameters(), frozen.slice(next))).isEqualTo(next);
        float[] start = frozen.slice(keras.parameters());
        float[] moved = frozen.slice(next);
        for (int i = 0; i < n; i++) {
            // The median of two is their mean: 2 × the pattern.
            assertThat(moved[i] - start[i]).isCloseTo(delta(n, 2)[i], org.assertj.core.api.Assertions.within(1e-6f));
        }
    }

    @Test
    void anUploadOfTheWholeModelIsRefused() throws Exception {
        study("fedavg");
        rig.orchestrator.tick();
        RoundState round = rig.active("st-f");
        assertThatThrownBy(() -> rig.upload("a", round, new float[290]))
                .isInstanceOfSatisfying(
                        UploadRejection.Exception.class,
                        e -> assertThat(e.rejection().reason()).isEqualTo(UploadRejection.Reason.WRONG_LENGTH));
    }
}
