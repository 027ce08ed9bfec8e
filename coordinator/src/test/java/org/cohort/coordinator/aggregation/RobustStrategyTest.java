package org.cohort.coordinator.aggregation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Median, trimmed mean, Krum and multi-Krum: one hostile site sending a huge update moves the model
 * no further than the honest spread; and each one's arithmetic against small examples worked by hand.
 */
class RobustStrategyTest {

    @ParameterizedTest
    @ValueSource(strings = {"median", "trimmed-mean", "krum", "multi-krum"})
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
        // trim 1 of 7 at each end (0.15·7 = 1.05); krum: f = 1 of n = 7 > 2f + 2
        var strategy = (RobustStrategy) Strategy.named(
                name,
                new org.cohort.coordinator.study.StrategyOptions(null, null, null, null, 0.15, null).withKrum(1, null));
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
    void krumScoresByHand() {
        // four updates on a line at 0, 1, 3 and 10 (one coordinate), f = 0: each score sums the
        // n − f − 2 = 2 nearest squared distances. 0: 1 + 9 = 10; 1: 1 + 4 = 5; 3: 4 + 9 = 13;
        // 10: 49 + 81 = 130.
        float[][] updates = {{0}, {1}, {3}, {10}};
        double[][] d = KrumScores.distances(4, 1, 1, (offset, count) -> updates);
        assertThat(d[0][3]).isEqualTo(100.0);
        assertThat(KrumScores.scores(0, d)).containsExactly(10, 5, 13, 130);
        assertThat(new Krum(0).next(new float[] {0.5f}, updates)).containsExactly(1.5f);
        // multi-krum, m = 2: the two best (scores 5 and 10) are averaged, (1 + 0) / 2
        assertThat(new MultiKrum(0, 2).next(new float[] {0}, updates)).containsExactly(0.5f);
        // m absent: n − f = 4, the plain mean
        assertThat(new MultiKrum(0, null).next(new float[] {0}, updates)).containsExactly(3.5f);
    }

    @Test
    void krumSumsDistancesOverEveryChunkOfTheWholeUpdate() {
        // Two coordinates read one chunk at a time: {0,0}, {1,1}, {0,2}, {5,0}, {3,4}, f = 1, so each
        // score sums n − f − 2 = 2 distances. Squared distances: 0–1 2, 0–2 4, 0–3 25, 0–4 25,
        // 1–2 2, 1–3 17, 1–4 13, 2–3 29, 2–4 13, 3–4 20. Scores: 0: 2+4 = 6; 1: 2+2 = 4;
        // 2: 2+4 = 6; 3: 17+20 = 37; 4: 13+13 = 26. Krum takes {1,1}; multi-krum m = 3 takes 0, 1, 2
        // (6 ties 6: the lower index first, and both are in).
        float[][] updates = {{0, 0}, {1, 1}, {0, 2}, {5, 0}, {3, 4}};
        RobustStrategy.Held byColumn = (offset, count) -> {
            float[][] rows = new float[updates.length][];
            for (int u = 0; u < updates.length; u++) {
                rows[u] = java.util.Arrays.copyOfRange(updates[u], (int) offset, (int) offset + count);
            }
            return rows;
        };
        assertThat(KrumScores.scores(1, KrumScores.distances(5, 2, 1, byColumn)))
                .containsExactly(6, 4, 6, 37, 26);
        var krum = new Krum(1).round(5, 2, 1, byColumn);
        assertThat(krum.next(new float[] {10}, new float[][] {{0}, {1}, {0}, {5}, {3}}))
                .as("the first chunk of the next model: global + update 1")
                .containsExactly(11f);
        assertThat(new MultiKrum(1, 3).next(new float[] {0, 0}, updates)).containsExactly(1f / 3, 1f);
    }

    @Test
    void krumRefusesTooFewUpdatesForItsF() {
        float[][] four = {{0}, {1}, {2}, {3}};
        assertThatThrownBy(() -> new Krum(1).next(new float[1], four))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("more than 2f + 2 = 4");
        assertThatThrownBy(() -> new MultiKrum(0, 5).next(new float[1], four)).hasMessageContaining("1 to n − f = 4");
        assertThatThrownBy(() -> new Krum(-1)).hasMessageContaining("at least 0");
        assertThatThrownBy(() -> new MultiKrum(1, 0)).hasMessageContaining("at least 1");
    }

    @Test
    void fedProxAveragesAsFedAvgAndCarriesItsMuToTheSites() {
        var prox = Strategy.named("fedprox", org.cohort.coordinator.study.StrategyOptions.NONE.withMu(0.5));
        assertThat(prox.proximalMu()).isEqualTo(0.5);
        assertThat(Strategy.named("fedavg").proximalMu()).isZero();
        assertThat(Strategy.named("fedprox").proximalMu()).as("default mu").isEqualTo(0.01);
        float[] global = {1, 2};
        double[] sum = {3, -6};
        assertThat(prox.step(3, 2).next(global, sum))
                .containsExactly(new FedAvg(1).step(3, 2).next(global, sum));
        assertThatThrownBy(() -> new FedProx(-0.1, 1)).hasMessageContaining("at least 0");
        assertThatThrownBy(() -> new FedProx(Double.POSITIVE_INFINITY, 1)).hasMessageContaining("finite");
    }

    @Test
    void aRobustStrategyRefusesToStepFromASum() {
        assertThatThrownBy(() -> new CoordinateMedian().step(10, 2)).hasMessageContaining("individual updates");
    }
}
