package org.cohort.coordinator.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.cohort.coordinator.round.RoundRepository.EvaluationRow;
import org.cohort.protocol.ErrorSums;
import org.junit.jupiter.api.Test;

class ErrorMetricsPoolTest {

    private static EvaluationRow row(String site, ErrorSums sums) {
        return new EvaluationRow(4, site, sums.count(), 0, 0.0, null, null, sums);
    }

    @Test
    void sitesPoolByTheirSumsInTheLabelsUnit() {
        // a: 2 rows, |e|/R 0.1 and 0.3; b: 1 row, 0.2 (R = 160).
        var a = new ErrorSums(2, 400_000, 100_000, 0);
        var b = new ErrorSums(1, 200_000, 40_000, 0);
        var pooled = ErrorMetricsView.Pooled.of(List.of(row("a", a), row("b", b)), 160);
        assertThat(pooled.pooled().mae()).isCloseTo(160 * 0.6 / 3, within(1e-9));
        assertThat(pooled.pooled().rmse()).isCloseTo(160 * Math.sqrt(0.14 / 3), within(1e-9));
        assertThat(pooled.bySite()).containsOnlyKeys("a", "b");
    }

    @Test
    void sumsBeyondALongStillGiveAPooledFigureInRangeRatherThanFailTheRequestOrHideIt() {
        var huge = new ErrorSums(1_000_000_000_000L, Long.MAX_VALUE / 2, Long.MAX_VALUE / 2, 3.0);
        var pooled = ErrorMetricsView.Pooled.of(List.of(row("a", huge), row("b", huge), row("c", huge)), 160);
        // The saturated sums are clamped to what the rows can hold: the figures stay within the range.
        assertThat(pooled.pooled()).isNotNull();
        assertThat(pooled.pooled().mae()).isBetween(0.0, 160.0);
        assertThat(pooled.pooled().rmse()).isBetween(0.0, 160.0);
        assertThat(pooled.pooled().examples()).isEqualTo(3_000_000_000_000L);
        assertThat(pooled.bySite()).containsOnlyKeys("a", "b", "c");
    }
}
