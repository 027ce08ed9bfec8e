package org.cohort.learning.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Harrell's C-index against small examples counted by hand (pairs listed in each comment). */
class ConcordanceTest {

    @Test
    void perfectAndReversedOrderings() {
        double[] times = {1, 2, 3, 4};
        boolean[] events = {true, true, false, true};
        // Comparable: (1,2) (1,3) (1,4) (2,3) (2,4); the event at 4 has no one after it, 3 is censored.
        Concordance perfect = Concordance.of(new double[] {4, 3, 2, 1}, times, events);
        assertThat(perfect).isEqualTo(new Concordance(5, 0, 5));
        assertThat(perfect.index()).isEqualTo(1.0);
        Concordance reversed = Concordance.of(new double[] {1, 2, 3, 4}, times, events);
        assertThat(reversed).isEqualTo(new Concordance(0, 0, 5));
        assertThat(reversed.index()).isEqualTo(0.0);
    }

    @Test
    void censoringDecidesWhichPairsCount() {
        // t: 5 1 3 3 6, event: 1 1 1 0 0, risk: .2 .9 .5 .1 .3
        // patient 0 (event at 5): vs 4 (6)            -> 1 pair, .2 < .3 discordant
        // patient 1 (event at 1): vs 0, 2, 3, 4        -> 4 pairs, .9 above all: concordant
        // patient 2 (event at 3): vs 0 (5), 3 (censored at 3, outlived it), 4 (6) -> 3 concordant
        // patients 3 and 4 are censored: never the first of a pair
        Concordance c = Concordance.of(new double[] {.2, .9, .5, .1, .3}, new double[] {5, 1, 3, 3, 6}, new boolean[] {
            true, true, true, false, false
        });
        assertThat(c).isEqualTo(new Concordance(7, 0, 8));
        assertThat(c.index()).isEqualTo(0.875);
    }

    @Test
    void tiedScoresCountHalfAndTiedEventTimesAreNotComparable() {
        // (0,1): equal times, 0 had the event and 1 was censored -> comparable, equal risk -> tied
        // (0,2): 2 lived longer -> comparable, 1 > .5 concordant
        Concordance c =
                Concordance.of(new double[] {1, 1, .5}, new double[] {2, 2, 3}, new boolean[] {true, false, true});
        assertThat(c).isEqualTo(new Concordance(1, 1, 2));
        assertThat(c.index()).isEqualTo(0.75);
        assertThat(c.concordantHalves()).isEqualTo(3);
        assertThat(c.comparableHalves()).isEqualTo(4);
        // Two events at the same time: neither outlived the other.
        assertThat(Concordance.of(new double[] {1, 2}, new double[] {2, 2}, new boolean[] {true, true})
                        .comparable())
                .isZero();
        // Censored before the other's event: unknown who lived longer.
        Concordance none = Concordance.of(new double[] {1, 2}, new double[] {1, 3}, new boolean[] {false, true});
        assertThat(none.comparable()).isZero();
        assertThat(none.index()).isNaN();
    }

    @Test
    void poolingAddsPairsWithinEachSet() {
        Concordance a = new Concordance(3, 1, 4);
        Concordance b = new Concordance(1, 0, 4);
        assertThat(Concordance.sum(List.of(a, b))).isEqualTo(new Concordance(4, 1, 8));
        assertThat(Concordance.sum(List.of(a, b)).index()).isEqualTo(4.5 / 8);
        assertThatThrownBy(() -> new Concordance(3, 2, 4)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Concordance.of(new double[1], new double[2], new boolean[2]))
                .hasMessageContaining("one value per patient");
    }
}
