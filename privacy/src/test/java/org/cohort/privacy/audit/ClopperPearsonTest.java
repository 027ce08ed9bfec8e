package org.cohort.privacy.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ClopperPearsonTest {

    @Test
    void noSuccessesGiveTheClosedForm() {
        // k = 0: P[Bin(n, p) = 0] = (1 - p)^n = 1 - confidence, so p = 1 - (1 - confidence)^(1/n).
        assertThat(ClopperPearson.upperBound(0, 10, 0.975)).isCloseTo(0.3085, within(1e-4));
        for (int n : new int[] {1, 30, 100, 1000}) {
            assertThat(ClopperPearson.upperBound(0, n, 0.975))
                    .as("n = %d", n)
                    .isCloseTo(1 - Math.pow(0.025, 1.0 / n), within(1e-9));
        }
    }

    @Test
    void matchesScipyBetaQuantiles() {
        // scipy.stats.beta.ppf(confidence, k + 1, n - k)
        assertThat(ClopperPearson.upperBound(5, 10, 0.975)).isCloseTo(0.8129139715526015, within(1e-9));
        assertThat(ClopperPearson.upperBound(1, 20, 0.975)).isCloseTo(0.24873276277202777, within(1e-9));
        assertThat(ClopperPearson.upperBound(3, 100, 0.9875)).isCloseTo(0.09416146333706507, within(1e-9));
    }

    @Test
    void allSuccessesBoundNothing() {
        assertThat(ClopperPearson.upperBound(7, 7, 0.975)).isEqualTo(1);
    }

    @Test
    void refusesCountsThatCannotBe() {
        assertThatThrownBy(() -> ClopperPearson.upperBound(3, 2, 0.975)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ClopperPearson.upperBound(0, 0, 0.975)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ClopperPearson.upperBound(0, 5, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
