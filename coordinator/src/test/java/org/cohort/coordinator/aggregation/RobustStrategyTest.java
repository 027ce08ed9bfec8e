package org.cohort.coordinator.aggregation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Median and trimmed mean: one hostile site sending a huge update moves the model no further than the honest spread. */
class RobustStrategyTest {

    @ParameterizedTest
    @ValueSource(strings = {"median", "trimmed-mean"})
    void oneHostileSiteMovesTheModelByNoMoreThanTheHonestSpread(String name) {
        var rnd = new SplittableRandom(5);
        int n = 200;
        int honest = 6;
        float[] global = new float[n];
        float[][] updates = new float[honest + 1][n];
        for (int u = 0; u < honest; u++) {
            for (int i = 0; i < n; i++) {
                updates[u][i] = (float) rnd.nextGaussian();
            }
        }
        for (int i = 0; i < n; i++) {
            updates[honest][i] = i % 2 == 0 ? 1e30f : -1e30f; // the hostile site
        }
        // trim 1 of 7 at each end (0.15·7 = 1.05)
        var strategy = (RobustStrategy) Strategy.named(
                name, new org.cohort.coordinator.study.StrategyOptions(null, null, null, null, 0.15, null));
        float[] next = strategy.next(global, updates);
        for (int i = 0; i < n; i++) {
            float lo = Float.MAX_VALUE;
            float hi = -Float.MAX_VALUE;
            for (int u = 0; u < honest; u++) {
                lo = Math.min(lo, updates[u][i]);
                hi = Math.max(hi, updates[u][i]);
            }
            assertThat(next[i] - global[i]).as("coordinate %d", i).isBetween(lo, hi);
        }
    }

    @Test
    void medianAndTrimmedMeanByHand() {
        assertThat(new CoordinateMedian().aggregate(new float[] {3, 1, 100, 2})).isEqualTo(2.5);
        assertThat(new CoordinateMedian().aggregate(new float[] {3, 1, 2})).isEqualTo(2.0);
        // 10 values, β = 0.2: cut 2 at each end (-50, 1 and 8, 10), mean of 2..7
        float[] values = {10, 1, 2, 3, 4, 5, 6, 7, 8, -50};
        assertThat(new TrimmedMean(0.2).aggregate(values)).isEqualTo((2 + 3 + 4 + 5 + 6 + 7) / 6.0);
        assertThat(new TrimmedMean(0).aggregate(new float[] {1, 2, 6})).isEqualTo(3.0);
    }

    @Test
    void aRobustStrategyRefusesToStepFromASum() {
        assertThatThrownBy(() -> new CoordinateMedian().step(10, 2)).hasMessageContaining("individual updates");
    }
}
