package org.cohort.privacy.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.cohort.privacy.audit.HypothesisTestAudit.Outcome;
import org.junit.jupiter.api.Test;

class HypothesisTestAuditTest {

    @Test
    void exactRatesGiveTheLargerOfTheTwoDirections() {
        // FPR 0.05, FNR 0.1: ln(0.9 / 0.05) = 2.8904 beats ln(0.95 / 0.1) = 2.2513.
        assertThat(HypothesisTestAudit.epsilon(0.05, 0.1, 0)).isCloseTo(Math.log(0.9 / 0.05), within(1e-12));
        assertThat(HypothesisTestAudit.epsilon(0.1, 0.05, 0)).isCloseTo(Math.log(0.9 / 0.05), within(1e-12));
        assertThat(HypothesisTestAudit.epsilon(0.05, 0.1, 0.01)).isCloseTo(Math.log(0.89 / 0.05), within(1e-12));
    }

    @Test
    void aTestNoBetterThanChanceRefutesNothing() {
        assertThat(HypothesisTestAudit.epsilon(0.5, 0.5, 0)).isZero();
        assertThat(HypothesisTestAudit.epsilon(0.7, 0.6, 1e-5)).isZero();
        assertThat(HypothesisTestAudit.epsilon(1, 0, 0)).isZero(); // always wrong is FPR + FNR = 1 too
    }

    @Test
    void countsAreTakenAtTheirClopperPearsonBoundsBonferroniSplit() {
        // No error in 100 runs per world: each rate ≤ 1 - 0.025^(1/100) = 0.036217 (97.5% each), so
        // L = ln((1 - 0.036217) / 0.036217) = 3.2813.
        assertThat(HypothesisTestAudit.epsilonLowerBound(new Outcome(100, 0, 100, 0), 0, 0.95))
                .isCloseTo(3.2813463490987864, within(1e-9));
        // scipy: FPR ≤ beta.ppf(0.975, 4, 97), FNR ≤ beta.ppf(0.975, 11, 90), δ = 1e-5.
        assertThat(HypothesisTestAudit.epsilonLowerBound(new Outcome(100, 3, 100, 10), 1e-5, 0.95))
                .isCloseTo(2.269167885299446, within(1e-9));
        assertThat(HypothesisTestAudit.epsilonLowerBound(new Outcome(30, 0, 30, 0), 1e-5, 0.95))
                .isCloseTo(2.0337520951319688, within(1e-9));
    }

    @Test
    void halfTheRunsWrongIsNoEvidence() {
        assertThat(HypothesisTestAudit.epsilonLowerBound(new Outcome(100, 50, 100, 50), 1e-5, 0.95))
                .isZero();
    }

    @Test
    void refusesImpossibleCounts() {
        assertThatThrownBy(() -> new Outcome(0, 0, 10, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Outcome(10, 11, 10, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HypothesisTestAudit.epsilon(-0.1, 0.2, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
