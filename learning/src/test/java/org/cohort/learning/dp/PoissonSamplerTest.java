package org.cohort.learning.dp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class PoissonSamplerTest {

    @Test
    void includesEachRowIndependentlyWithRateQ() {
        int n = 200;
        double q = 0.05;
        PoissonSampler sampler = new PoissonSampler(n, q, DpFixtures.seededSampling(9));
        int batches = 20_000;
        long[] hits = new long[n];
        long total = 0;
        long empty = 0;
        for (int i = 0; i < batches; i++) {
            int[] rows = sampler.next();
            for (int k = 0; k < rows.length; k++) {
                hits[rows[k]]++;
                if (k > 0) {
                    assertThat(rows[k]).isGreaterThan(rows[k - 1]);
                }
            }
            total += rows.length;
            empty += rows.length == 0 ? 1 : 0;
        }
        assertThat((double) total / batches).isCloseTo(q * n, within(0.1)); // SE 0.022
        assertThat(hits[0]).isCloseTo((long) (q * batches), within(150L)); // SE 31: first row is not special
        assertThat(hits[n - 1]).isCloseTo((long) (q * batches), within(150L)); // nor the last
        assertThat((double) empty / batches).isCloseTo(Math.pow(1 - q, n), within(0.0005)); // 3.5e-5, SE 4e-5
    }

    @Test
    void rateOneTakesEveryRow() {
        assertThat(new PoissonSampler(5, 1.0, DpFixtures.seededSampling(1)).next())
                .containsExactly(0, 1, 2, 3, 4);
    }
}
