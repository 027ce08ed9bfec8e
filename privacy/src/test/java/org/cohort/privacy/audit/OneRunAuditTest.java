package org.cohort.privacy.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.cohort.privacy.audit.OneRunAudit.Outcome;
import org.junit.jupiter.api.Test;

class OneRunAuditTest {

    @Test
    void allGuessesRightWithoutDeltaGivesTheClosedForm() {
        // δ = 0, v = r: p = q^r with q = e^ε / (1 + e^ε), so the 95% bound solves q = 0.05^(1/r):
        // ε = ln(q / (1 - q)). r = 10: q = 0.741134, ε = 1.051873; r = 64: ε = 3.038199.
        for (int r : new int[] {10, 16, 64, 500}) {
            double q = Math.pow(0.05, 1.0 / r);
            double expected = Math.log(q / (1 - q));
            assertThat(OneRunAudit.epsilonLowerBound(new Outcome(1000, r, r), 0, 0.95))
                    .as("r = %d", r)
                    .isCloseTo(expected, within(1e-9));
        }
        assertThat(OneRunAudit.epsilonLowerBound(new Outcome(10, 10, 10), 0, 0.95))
                .isCloseTo(1.051873, within(1e-6));
    }

    @Test
    void pValueAtEpsilonZeroIsAFairCoin() {
        // ε = 0, δ = 0: P[Binomial(4, 1/2) ≥ 3] = (4 + 1) / 16.
        assertThat(OneRunAudit.pValue(new Outcome(4, 4, 3), 0, 0)).isCloseTo(5.0 / 16, within(1e-15));
    }

    @Test
    void deltaTermMatchesTheTheoremWorkedByHand() {
        // m = 10, r = v = 2, ε = 0: f(2) = 1/4, f(1) = 3/4, f(0) = 1; max over i of (f(2-i) - f(2)) / i
        // is max(1/2, 3/8) = 1/2, so p = 1/4 + 2·10·δ·1/2 = 0.25 + 10δ.
        assertThat(OneRunAudit.pValue(new Outcome(10, 2, 2), 0, 0.01)).isCloseTo(0.35, within(1e-14));
        // r = v = 1, m = 1: p = q + 2δ(1 - q) for every ε.
        double q = 1 / (1 + Math.exp(-0.7));
        assertThat(OneRunAudit.pValue(new Outcome(1, 1, 1), 0.7, 0.1)).isCloseTo(q + 0.2 * (1 - q), within(1e-14));
    }

    @Test
    void boundsMatchTheReferenceAlgorithmOfThePaper() {
        // The paper's Algorithm (p-value with the 2mδ term, bisection on ε) run in Python with
        // scipy.stats.binom, to 60 bisection steps.
        assertThat(bound(1000, 100, 90, 1e-5)).isCloseTo(1.6261434806957262, within(1e-9));
        assertThat(bound(1000, 1000, 900, 1e-5)).isCloseTo(2.0206455958654317, within(1e-9));
        assertThat(bound(64, 64, 64, 1e-5)).isCloseTo(3.0364078897563553, within(1e-9));
        assertThat(bound(64, 64, 60, 1e-5)).isCloseTo(1.837001564235071, within(1e-9));
        assertThat(bound(16, 16, 16, 1e-5)).isCloseTo(1.5798048891718364, within(1e-9));
        assertThat(OneRunAudit.pValue(new Outcome(1000, 100, 90), 2.0, 1e-5))
                .isCloseTo(0.3449868367938024, within(1e-12));
    }

    @Test
    void chanceLevelGuessingProvesNothing() {
        assertThat(bound(1000, 100, 50, 1e-5)).isZero();
        assertThat(bound(1000, 0, 0, 1e-5)).isZero();
        // P[Binomial(16, 1/2) ≥ 11] ≈ 0.105: not surprising even at ε = 0; ≥ 12 (≈ 0.038) is.
        assertThat(bound(16, 16, 11, 1e-5)).isZero();
        assertThat(bound(16, 16, 12, 1e-5)).isPositive();
    }

    @Test
    void aLargeDeltaSwallowsTheEvidence() {
        // 2mδ = 20: the δ term alone exceeds any confidence level.
        assertThat(bound(1000, 200, 180, 1e-2)).isZero();
        assertThat(bound(1000, 100, 90, 1e-7)).isGreaterThan(bound(1000, 100, 90, 1e-5));
    }

    @Test
    void moreCorrectGuessesNeverLowerTheBound() {
        double previous = 0;
        for (int v = 0; v <= 200; v++) {
            double b = bound(400, 200, v, 1e-5);
            assertThat(b).as("v = %d", v).isGreaterThanOrEqualTo(previous);
            previous = b;
        }
        assertThat(previous).isGreaterThan(3);
    }

    @Test
    void refusesImpossibleCounts() {
        assertThatThrownBy(() -> new Outcome(10, 11, 5)).hasMessageContaining("guesses ≤ canaries");
        assertThatThrownBy(() -> new Outcome(10, 5, 6)).hasMessageContaining("correct ≤ guesses");
        assertThatThrownBy(() -> OneRunAudit.epsilonLowerBound(new Outcome(1, 1, 1), 1, 0.95))
                .hasMessageContaining("delta");
    }

    private static double bound(int m, int r, int v, double delta) {
        return OneRunAudit.epsilonLowerBound(new Outcome(m, r, v), delta, 0.95);
    }
}
