package org.cohort.coordinator.aggregation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.cohort.coordinator.study.StrategyOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** FedAdam, FedYogi and FedAdagrad: one step by hand, two rounds against a plain loop, and state that survives a restart. */
class ServerOptimizerTest {
    @TempDir
    Path dir;

    private static final ServerOptimizer.Settings SETTINGS = new ServerOptimizer.Settings(0.1, 0.9, 0.99, 0.01);

    /** Applies one round in chunks of {@code chunk} values, as the merge does. */
    private static float[] round(
            Strategy s, float[] global, double[] sum, long weight, Strategy.State state, int chunk) {
        Strategy.Step step = s.step(weight, 2, state);
        float[] next = new float[global.length];
        for (int off = 0; off < global.length; off += chunk) {
            int n = Math.min(chunk, global.length - off);
            float[] part = step.next(Arrays.copyOfRange(global, off, off + n), Arrays.copyOfRange(sum, off, off + n));
            System.arraycopy(part, 0, next, off, n);
        }
        return next;
    }

    @Test
    void oneFedAdamStepMatchesTheFormulaByHand() {
        // Δ = sum / weight = (0.2, -0.1); m = 0.1·Δ = (0.02, -0.01); v = 0.01·Δ² = (4e-4, 1e-4)
        // step = 0.1·m / (√v + 0.01) = (0.1·0.02/0.03, 0.1·-0.01/0.02) = (0.0666…, -0.05)
        var state = new MemoryState(2, 2);
        float[] next = round(new FedAdam(SETTINGS), new float[] {1f, -1f}, new double[] {0.4, -0.2}, 2, state, 2);
        assertThat(next[0]).isCloseTo(1.0666667f, within(1e-6f));
        assertThat(next[1]).isCloseTo(-1.05f, within(1e-6f));
        state.advance();
        assertThat(state.vector(0)).containsExactly(new float[] {0.02f, -0.01f}, within(1e-8f));
        assertThat(state.vector(1)).containsExactly(new float[] {4e-4f, 1e-4f}, within(1e-9f));
    }

    @Test
    void fedYogiAndFedAdagradStepByHand() {
        // Yogi from v = 0: v = 0 − 0.01·Δ²·sign(0 − Δ²) = 0.01·Δ², the same first step as Adam
        float[] yogi = round(new FedYogi(SETTINGS), new float[] {1f}, new double[] {0.4}, 2, new MemoryState(2, 1), 1);
        assertThat(yogi[0]).isCloseTo(1.0666667f, within(1e-6f));
        // Adagrad, β₁ = 0: m = Δ = 0.2, v = Δ² = 0.04, step = 0.1·0.2 / (0.2 + 0.01)
        var adagrad = new FedAdagrad(new ServerOptimizer.Settings(0.1, 0, 0.99, 0.01));
        float[] next = round(adagrad, new float[] {1f}, new double[] {0.4}, 2, new MemoryState(2, 1), 1);
        assertThat(next[0]).isCloseTo((float) (1 + 0.1 * 0.2 / 0.21), within(1e-6f));
    }

    /** Reddi et al.'s Algorithm 2 as a plain loop over whole vectors, in doubles, moments rounded to float as stored. */
    private static float[] reference(String name, float[] x0, double[][] sums, long weight) {
        int n = x0.length;
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = x0[i];
        }
        float[] m = new float[n];
        float[] v = new float[n];
        var s = SETTINGS;
        for (double[] sum : sums) {
            for (int i = 0; i < n; i++) {
                double d = sum[i] / weight;
                double mi = s.beta1() * m[i] + (1 - s.beta1()) * d;
                double vi = switch (name) {
                    case "fedadam" -> s.beta2() * v[i] + (1 - s.beta2()) * d * d;
                    case "fedyogi" -> v[i] - (1 - s.beta2()) * d * d * Math.signum(v[i] - d * d);
                    default -> v[i] + d * d;
                };
                m[i] = (float) mi;
                v[i] = (float) vi;
                x[i] = (float) (x[i] + s.eta() * mi / (Math.sqrt(vi) + s.tau()));
            }
        }
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) x[i];
        }
        return out;
    }

    private static Strategy named(String name) {
        return Strategy.named(name, new StrategyOptions(0.1, 0.9, 0.99, 0.01, null, null));
    }

    private static double[] randomSum(SplittableRandom rnd, int n) {
        double[] sum = new double[n];
        for (int i = 0; i < n; i++) {
            sum[i] = rnd.nextDouble(-1, 1) * 100;
        }
        return sum;
    }

    @ParameterizedTest
    @ValueSource(strings = {"fedadam", "fedyogi", "fedadagrad"})
    void stateCarriedOverTwoRoundsEqualsAReferenceLoop(String name) {
        var rnd = new SplittableRandom(13);
        int n = 1000;
        float[] x0 = new float[n];
        for (int i = 0; i < n; i++) {
            x0[i] = (float) rnd.nextGaussian();
        }
        double[][] sums = {randomSum(rnd, n), randomSum(rnd, n)};
        var state = new MemoryState(2, n);
        float[] x1 = round(named(name), x0, sums[0], 150, state, 77);
        float[] x2 = round(named(name), x1, sums[1], 150, state.advance(), 300);
        assertThat(x2).containsExactly(reference(name, x0, sums, 150), within(1e-6f));
        assertThat(x2).isNotEqualTo(round(named(name), x1, sums[1], 150, new MemoryState(2, n), 300));
    }

    /**
     * The merge's path: one pair of buffers for every chunk, the last one partly filled, the next
     * model written over the global chunk. It must step exactly as fresh arrays do.
     */
    @ParameterizedTest
    @ValueSource(strings = {"fedadam", "fedyogi", "fedadagrad"})
    void reusedBuffersStepAsFreshArraysDo(String name) {
        var rnd = new SplittableRandom(17);
        int n = 1000;
        int chunk = 300;
        float[] x0 = new float[n];
        for (int i = 0; i < n; i++) {
            x0[i] = (float) rnd.nextGaussian();
        }
        double[] sum = randomSum(rnd, n);
        double[] sumBefore = sum.clone();
        var freshState = new MemoryState(2, n);
        float[] fresh = round(named(name), x0, sum, 150, freshState, chunk);
        assertThat(sum).containsExactly(sumBefore);

        var reusedState = new MemoryState(2, n);
        Strategy.Step step = named(name).step(150, 2, reusedState);
        float[] global = new float[chunk];
        double[] part = new double[chunk];
        float[] reused = new float[n];
        for (int off = 0; off < n; off += chunk) {
            int count = Math.min(chunk, n - off);
            System.arraycopy(x0, off, global, 0, count);
            System.arraycopy(sum, off, part, 0, count);
            step.next(global, part, count, global);
            System.arraycopy(global, 0, reused, off, count);
        }
        assertThat(reused).containsExactly(fresh);
        freshState.advance();
        reusedState.advance();
        assertThat(reusedState.vector(0)).containsExactly(freshState.vector(0));
        assertThat(reusedState.vector(1)).containsExactly(freshState.vector(1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"fedadam", "fedyogi", "fedadagrad"})
    void stateReadBackAfterARestartGivesTheSameNextModel(String name) {
        var rnd = new SplittableRandom(29);
        int n = 513;
        float[] x0 = new float[n];
        double[] sum1 = randomSum(rnd, n);
        double[] sum2 = randomSum(rnd, n);
        var memory = new MemoryState(2, n);
        float[] x1 = round(named(name), x0, sum1, 10, memory, 100);
        float[] expected = round(named(name), x1, sum2, 10, memory.advance(), 100);

        Path v2 = dir.resolve("v2.state");
        try (var first = new StateFile(null, v2, name, 2, n)) {
            assertThat(round(named(name), x0, sum1, 10, first, 64)).containsExactly(x1);
            first.finish();
        }
        // a new process: nothing but the file carries the moments
        try (var second = new StateFile(v2, dir.resolve("v3.state"), name, 2, n)) {
            assertThat(round(named(name), x1, sum2, 10, second, 200)).containsExactly(expected);
            second.finish();
        }
    }

    @Test
    void aStateOfAnotherStrategyOrSizeIsRefusedAndAnUnfinishedOneLeavesNoFile() {
        Path v2 = dir.resolve("v2.state");
        try (var first = new StateFile(null, v2, "fedadam", 2, 4)) {
            first.write(0, new float[][] {new float[4], new float[4]});
            first.finish();
        }
        assertThatThrownBy(() -> new StateFile(v2, dir.resolve("a"), "fedyogi", 2, 4))
                .hasMessageContaining("not a fedyogi state");
        assertThatThrownBy(() -> new StateFile(v2, dir.resolve("b"), "fedadam", 2, 5))
                .hasMessageContaining("another strategy or model");
        try (var unfinished = new StateFile(v2, dir.resolve("c"), "fedadam", 2, 4)) {
            unfinished.write(0, new float[][] {new float[2], new float[2]});
            assertThatThrownBy(unfinished::finish).hasMessageContaining("2 of 4");
        }
        assertThat(dir.resolve("c")).doesNotExist();
    }

    @Test
    void withoutItsStateAnOptimiserRefusesToStep() {
        assertThatThrownBy(() -> new FedAdam(SETTINGS).step(1, 1)).hasMessageContaining("keeps its moments");
    }
}
