package org.cohort.crypto.secagg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SecAggParametersTest {

    private static final byte[] NONCE = new byte[32];

    @ParameterizedTest(name = "n={0}: degree {1}, threshold {2}")
    @CsvSource({
        "3, 2, 2",
        "4, 3, 3",
        "10, 9, 6",
        "16, 15, 9",
        "17, 16, 9",
        "21, 20, 11",
        "22, 20, 11",
        "25, 20, 11",
        "50, 24, 13",
        "100, 28, 15",
        "1000, 40, 21",
        "10000, 56, 29"
    })
    void defaultsGrowLogarithmicallyWithTheSmallestSafeThreshold(int n, int degree, int threshold) {
        SecAggParameters parameters = SecAggParameters.defaults(n, NONCE);

        assertThat(parameters.degree()).isEqualTo(degree);
        assertThat(parameters.threshold()).isEqualTo(threshold);
    }

    @Test
    void defaultsAreValidForEveryRoundSize() {
        for (int n = SecAggParameters.MIN_CLIENTS; n <= 3000; n++) {
            SecAggParameters parameters = SecAggParameters.defaults(n, NONCE);
            assertThat(2 * parameters.threshold()).isGreaterThan(parameters.degree() + 1);
            assertThat(parameters.threshold()).isLessThanOrEqualTo(parameters.degree());
        }
    }

    @Test
    void smallRoundsUseTheCompleteGraph() {
        for (int n = 3; n <= 21; n++) {
            assertThat(SecAggParameters.defaults(n, NONCE).degree()).isEqualTo(n - 1);
        }
    }

    @Test
    void rejectsAThresholdThatTwoDisjointGroupsOfHoldersCouldReach() {
        assertThatThrownBy(() -> new SecAggParameters(100, 14, 28, NONCE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unsafe")
                .hasMessageContaining("two disjoint groups")
                .hasMessageContaining("at least 15");
    }

    @Test
    void rejectsAThresholdAboveTheDegreeBecauseNoDropoutCouldBeRecovered() {
        assertThatThrownBy(() -> new SecAggParameters(100, 29, 28, NONCE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no dropout could ever be recovered")
                .hasMessageContaining("at most 28");
    }

    @Test
    void rejectsRoundsTooSmallToHideAnything() {
        assertThatThrownBy(() -> SecAggParameters.defaults(2, NONCE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 3")
                .hasMessageContaining("learns the others' updates");
    }

    @Test
    void rejectsImpossibleDegrees() {
        assertThatThrownBy(() -> new SecAggParameters(10, 2, 10, NONCE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2..9 neighbours");
        assertThatThrownBy(() -> new SecAggParameters(25, 8, 11, NONCE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("even number of sites")
                .hasMessageContaining("10 or 12");
    }

    @Test
    void rejectsShortOrMissingNonce() {
        assertThatThrownBy(() -> SecAggParameters.defaults(10, new byte[8]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("32 fresh random bytes");
        assertThatThrownBy(() -> SecAggParameters.defaults(10, null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void nonceIsCopiedInAndOut() {
        byte[] nonce = new byte[32];
        SecAggParameters parameters = SecAggParameters.defaults(10, nonce);
        nonce[0] = 1;
        parameters.roundNonce()[1] = 1;

        assertThat(parameters.roundNonce()).isEqualTo(new byte[32]);
        assertThat(parameters).isEqualTo(SecAggParameters.defaults(10, new byte[32]));
    }

    @Test
    void toleratedDropoutIsDegreeMinusThreshold() {
        assertThat(SecAggParameters.defaults(100, NONCE).toleratedDroppedNeighbours())
                .isEqualTo(13);
    }
}
