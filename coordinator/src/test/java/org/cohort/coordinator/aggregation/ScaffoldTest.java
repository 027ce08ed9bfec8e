package org.cohort.coordinator.aggregation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.cohort.coordinator.study.StrategyOptions;
import org.junit.jupiter.api.Test;

/** SCAFFOLD's server update: x ← x + η_g·mean(Δy), c ← c + (|S|/N)·mean(Δc), c kept as state. */
class ScaffoldTest {
    private static final float EPS = 1e-6f;

    /** c = [0.5, 0.1] as the previous round left it. */
    private static MemoryState previousC() {
        var state = new MemoryState(1, 2);
        state.write(0, new float[][] {{0.5f, 0.1f}});
        return state.advance();
    }

    @Test
    void stepsTheModelByTheWeightedMeanDeltaAndTheControlVariateByTheParticipationTimesTheMeanChange() {
        // Two sites of weights 1 and 3 of the four tasked: Δy₁ = [0.2, 0.4], Δy₂ = [−0.2, 0];
        // Δc₁ = [1, 0], Δc₂ = [0, −2]. Σwᵢ·Δyᵢ = [−0.4, 0.4]; Σwᵢ·Δcᵢ = [1, −6]; total weight 4.
        double[] sum = {-0.4, 0.4, 1, -6};
        MemoryState state = previousC();
        float[] next = new Scaffold(1.0).step(4, 2, 4, state).next(new float[] {1, -2}, sum);
        // x' = x + mean Δy = [1 − 0.1, −2 + 0.1]
        assertThat(next).containsExactly(new float[] {0.9f, -1.9f}, within(EPS));
        // c' = c + (2/4)·[0.25, −1.5] = [0.625, −0.65]
        assertThat(state.advance().vector(0)).containsExactly(new float[] {0.625f, -0.65f}, within(EPS));
    }

    @Test
    void aServerLearningRateScalesTheModelStepButNotTheControlVariate() {
        double[] sum = {-0.4, 0.4, 1, -6};
        MemoryState state = previousC();
        float[] next = new Scaffold(0.5).step(4, 2, 2, state).next(new float[] {1, -2}, sum);
        assertThat(next).containsExactly(new float[] {0.95f, -1.95f}, within(EPS));
        // Every tasked site reported: c' = c + mean Δc = [0.75, −1.4].
        assertThat(state.advance().vector(0)).containsExactly(new float[] {0.75f, -1.4f}, within(EPS));
    }

    @Test
    void chunkByChunkGivesWhatTheWholeVectorGives() {
        int n = 7;
        var random = new java.util.Random(3);
        float[] global = new float[n];
        double[] sum = new double[2 * n];
        for (int i = 0; i < n; i++) {
            global[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < 2 * n; i++) {
            sum[i] = random.nextGaussian();
        }
        var whole = new MemoryState(1, n);
        float[] expected = new Scaffold(1).step(5, 3, 4, whole).next(global, sum);
        var chunked = new MemoryState(1, n);
        Scaffold.ControlStep step = new Scaffold(1).step(5, 3, 4, chunked);
        float[] out = new float[n];
        for (int offset = 0; offset < n; offset += 3) {
            int count = Math.min(3, n - offset);
            float[] g = java.util.Arrays.copyOfRange(global, offset, offset + count);
            float[] o = new float[count];
            step.next(
                    g,
                    java.util.Arrays.copyOfRange(sum, offset, offset + count),
                    java.util.Arrays.copyOfRange(sum, n + offset, n + offset + count),
                    count,
                    o);
            System.arraycopy(o, 0, out, offset, count);
        }
        assertThat(out).containsExactly(expected);
        assertThat(chunked.advance().vector(0)).containsExactly(whole.advance().vector(0));
    }

    @Test
    void uploadsTwoVectorsKeepsOneAndIsNamedWithItsDefaults() {
        Strategy s = Strategy.named("scaffold", StrategyOptions.NONE);
        assertThat(s).isEqualTo(new Scaffold(1.0));
        assertThat(s.uploadVectors()).isEqualTo(2);
        assertThat(s.stateVectors()).isEqualTo(1);
        assertThat(s.controlVariates()).isTrue();
        assertThat(Strategy.named("fedavg").uploadVectors()).isEqualTo(1);
        assertThat(Strategy.named("fedavg").controlVariates()).isFalse();
    }

    @Test
    void refusesToStepWithoutItsStateOrFromASumOfTheWrongLength() {
        var scaffold = new Scaffold(1);
        assertThatThrownBy(() -> scaffold.step(1, 1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> scaffold.step(1, 1, new MemoryState(1, 1))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> scaffold.step(2, 2, 1, new MemoryState(1, 1))).hasMessageContaining("tasked only 1");
        assertThatThrownBy(() -> scaffold.step(1, 1, 1, new MemoryState(1, 2)).next(new float[2], new double[2]))
                .hasMessageContaining("Δy then Δc");
        assertThatThrownBy(() -> new Scaffold(0)).hasMessageContaining("server learning rate");
    }
}
