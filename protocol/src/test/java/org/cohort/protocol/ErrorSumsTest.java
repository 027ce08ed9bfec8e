package org.cohort.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.cohort.protocol.v1.SiteMetrics;
import org.junit.jupiter.api.Test;

class ErrorSumsTest {

    @Test
    void aHandExampleGivesMaeAndRmseWorkedOutOnPaper() {
        // Range [50, 150], R = 100. Scaled predictions 0.5, 0.2, 0.9 against labels 0.3, 0.2, 0.5:
        // errors 0.2, 0, 0.4 (20, 0 and 40 in the label's unit).
        var sums = ErrorSums.measure(new double[] {0.5, 0.2, 0.9}, new double[] {0.3, 0.2, 0.5});
        assertThat(sums.count()).isEqualTo(3);
        assertThat(sums.absoluteErrors()).isEqualTo(600_000);
        assertThat(sums.squaredErrors()).isEqualTo(40_000 + 160_000);
        assertThat(sums.meanAbsoluteError(100)).isCloseTo(20, within(1e-9));
        assertThat(sums.rootMeanSquaredError(100)).isCloseTo(Math.sqrt((400.0 + 1600) / 3), within(1e-9));
    }

    @Test
    void predictionsAndLabelsAreClampedToTheDeclaredRange() {
        // A prediction far outside the range counts as its nearest end: the error is at most R.
        var sums = ErrorSums.measure(new double[] {7.0, -3.0, Double.NaN}, new double[] {0.0, 1.0, 1.0});
        assertThat(sums.absoluteErrors()).isEqualTo(3 * ErrorSums.QUANTUM);
        assertThat(sums.squaredErrors()).isEqualTo(3 * ErrorSums.QUANTUM);
        assertThat(sums.meanAbsoluteError(10)).isEqualTo(10);
    }

    @Test
    void quantisedSumsMatchTheExactFiguresToTheQuantum() {
        var random = new Random(3);
        int n = 5000;
        double[] p = new double[n];
        double[] y = new double[n];
        double absolute = 0;
        double squared = 0;
        for (int i = 0; i < n; i++) {
            p[i] = random.nextDouble();
            y[i] = random.nextDouble();
            absolute += Math.abs(p[i] - y[i]);
            squared += (p[i] - y[i]) * (p[i] - y[i]);
        }
        var sums = ErrorSums.measure(p, y);
        // Each row is rounded to 1/Q of R: the mean is off by at most 1/(2Q).
        assertThat(sums.meanAbsoluteError(1)).isCloseTo(absolute / n, within(0.5 / ErrorSums.QUANTUM));
        assertThat(sums.rootMeanSquaredError(1) * sums.rootMeanSquaredError(1))
                .isCloseTo(squared / n, within(0.5 / ErrorSums.QUANTUM));
    }

    @Test
    void poolingSumsGivesTheFiguresOfAllRowsTogether() {
        double[] p1 = {0.1, 0.4};
        double[] y1 = {0.2, 0.4};
        double[] p2 = {0.9, 0.5, 0.0};
        double[] y2 = {0.6, 0.1, 0.05};
        var pooled = ErrorSums.sum(List.of(ErrorSums.measure(p1, y1), ErrorSums.measure(p2, y2)));
        var together =
                ErrorSums.measure(new double[] {0.1, 0.4, 0.9, 0.5, 0.0}, new double[] {0.2, 0.4, 0.6, 0.1, 0.05});
        assertThat(pooled).isEqualTo(together);
        assertThat(pooled.meanAbsoluteError(40)).isCloseTo(40 * (0.1 + 0 + 0.3 + 0.4 + 0.05) / 5, within(1e-9));
    }

    @Test
    void oneMorePatientMovesTheValuesByAtMostTheStatedSensitivity() {
        var random = new Random(11);
        double[] p = new double[40];
        double[] y = new double[40];
        for (int i = 0; i < p.length; i++) {
            p[i] = random.nextDouble() * 1.4 - 0.2;
            y[i] = random.nextDouble();
        }
        var without = ErrorSums.measure(java.util.Arrays.copyOf(p, 39), java.util.Arrays.copyOf(y, 39));
        // The worst added row: error of the whole range.
        p[39] = 1;
        y[39] = 0;
        var with = ErrorSums.measure(p, y);
        double dn = with.count() - without.count();
        double da = (with.absoluteErrors() - without.absoluteErrors()) / (double) ErrorSums.QUANTUM;
        double ds = (with.squaredErrors() - without.squaredErrors()) / (double) ErrorSums.QUANTUM;
        assertThat(Math.sqrt(dn * dn + da * da + ds * ds)).isCloseTo(ErrorSums.SENSITIVITY, within(1e-12));
    }

    @Test
    void travelsInSiteMetricsAndBackWithItsDigest() {
        var sums = new ErrorSums(-2, 1_500_000, -7, 1.5 * ErrorSums.SENSITIVITY);
        var metrics = sums.into(SiteMetrics.newBuilder()).build();
        assertThat(ErrorSums.from(metrics)).isEqualTo(sums);
        assertThat(ErrorSums.from(SiteMetrics.getDefaultInstance())).isNull();
        assertThat(sums.noiseMultiplier()).isCloseTo(1.5, within(1e-12));
        assertThat(ErrorSums.parse(sums.format(), sums.noise())).isEqualTo(sums);
        assertThat(sums.sha256()).isEqualTo(CountDigest.sha256(List.of(-2L, 1_500_000L, -7L)));
    }

    @Test
    void noisedValuesGiveClampedFigures() {
        // A noised count of 0 or less gives no figure; noised sums beyond [0, n·Q] are clamped.
        assertThat(new ErrorSums(0, 5, 5, 2).meanAbsoluteError(10)).isNaN();
        assertThat(new ErrorSums(2, -40, 9 * ErrorSums.QUANTUM, 2).meanAbsoluteError(10))
                .isZero();
        assertThat(new ErrorSums(2, -40, 9 * ErrorSums.QUANTUM, 2).rootMeanSquaredError(10))
                .isEqualTo(10);
    }

    @Test
    void refusesExactSumsNoRowsCouldGive() {
        assertThatThrownBy(() -> new ErrorSums(2, 2 * ErrorSums.QUANTUM + 1, 0, 0))
                .hasMessageContaining("each sum in [0, count·1000000]");
        assertThatThrownBy(() -> new ErrorSums(-1, 0, 0, 0)).hasMessageContaining("count of at least 0");
        assertThatThrownBy(() -> new ErrorSums(1, 0, -1, 0)).hasMessageContaining("each sum");
        assertThatThrownBy(() -> new ErrorSums(1, 0, 0, Double.NaN)).hasMessageContaining("noise");
        var four = SiteMetrics.newBuilder()
                .addAllErrorSums(new ArrayList<>(List.of(1L, 2L, 3L, 4L)))
                .build();
        assertThatThrownBy(() -> ErrorSums.from(four)).hasMessageContaining("three values");
    }
}
