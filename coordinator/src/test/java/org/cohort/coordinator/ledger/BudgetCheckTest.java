package org.cohort.coordinator.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.cohort.privacy.accounting.AccountantKind;
import org.cohort.privacy.accounting.Conversion;
import org.cohort.privacy.accounting.EventHistory;
import org.cohort.privacy.accounting.PldAccountant;
import org.cohort.privacy.accounting.PrivacyAccountant;
import org.cohort.privacy.accounting.PrivacyEvent;
import org.cohort.privacy.accounting.RdpAccountant;
import org.cohort.privacy.accounting.Unit;
import org.junit.jupiter.api.Test;

class BudgetCheckTest {
    private static final PrivacyEvent ROUND = new PrivacyEvent.SampledGaussian(0.01, 1.1, 100);

    private static EventHistory rounds(int n) {
        EventHistory h = EventHistory.empty(Unit.PATIENT);
        for (int i = 1; i <= n; i++) {
            h = h.append("st/round-" + i + "/va", ROUND);
        }
        return h;
    }

    @Test
    void refusesRoundThatWouldExceedBudget() {
        EventHistory ten = rounds(10);
        double after = RdpAccountant.withDefaultOrders()
                .composeAll(rounds(11).events())
                .epsilon(1e-5);

        assertThat(BudgetCheck.wouldExceed(ten, ROUND, after - 1e-9, 1e-5, AccountantKind.RDP))
                .isTrue();
        var a = BudgetCheck.assess(ten, ROUND, after - 1e-9, 1e-5, Accounting.RDP);
        assertThat(a.exceeds()).isTrue();
        assertThat(a.epsilonAfter()).isEqualTo(after);
        assertThat(a.explain())
                .contains(
                        "would reach",
                        "δ = 1e-5",
                        "RDP accountant with improved conversion",
                        "sampled Gaussian q=0.01, σ=1.1, 100 steps");
    }

    @Test
    void allowsRoundThatReachesTheBudgetExactly() {
        double after = RdpAccountant.withDefaultOrders()
                .composeAll(rounds(11).events())
                .epsilon(1e-5);
        assertThat(BudgetCheck.wouldExceed(rounds(10), ROUND, after, 1e-5, AccountantKind.RDP))
                .isFalse();
    }

    @Test
    void judgesWithTheConversionItIsGiven() {
        double improved =
                RdpAccountant.withDefaultOrders().composeAll(rounds(5).events()).epsilon(1e-5);
        double budget = improved * 1.05; // the classic conversion is looser than 5 % here
        assertThat(BudgetCheck.wouldExceed(rounds(4), ROUND, budget, 1e-5, Accounting.RDP))
                .isFalse();
        assertThat(BudgetCheck.wouldExceed(rounds(4), ROUND, budget, 1e-5, Accounting.RDP_CLASSIC))
                .isTrue();
    }

    @Test
    void judgesPldStudiesWithPld() {
        // Reference vector: q=0.01, σ=0.7, 120 steps, δ=1e-5 → RDP 3.2392676, PLD 2.4612381 (dp_accounting).
        var event = new PrivacyEvent.SampledGaussian(0.01, 0.7, 120);
        EventHistory none = EventHistory.empty(Unit.PATIENT);
        assertThat(BudgetCheck.wouldExceed(none, event, 3.0, 1e-5, AccountantKind.PLD))
                .isFalse();
        assertThat(BudgetCheck.wouldExceed(none, event, 3.0, 1e-5, AccountantKind.RDP))
                .isTrue();
    }

    @Test
    void roundsLeftIsTheLargestCountThatStaysWithinBudget() {
        PrivacyAccountant spent =
                RdpAccountant.withDefaultOrders().composeAll(rounds(3).events());
        var left = BudgetCheck.roundsLeft(spent, ROUND, 2.0, 1e-5, Accounting.RDP, BudgetCheck.DEFAULT_HORIZON);

        long k = left.rounds();
        assertThat(k).isPositive();
        assertThat(left.atLeast()).isFalse();
        assertThat(RdpAccountant.withDefaultOrders()
                        .composeAll(rounds(3 + (int) k).events())
                        .epsilon(1e-5))
                .isLessThanOrEqualTo(2.0);
        assertThat(RdpAccountant.withDefaultOrders()
                        .composeAll(rounds(4 + (int) k).events())
                        .epsilon(1e-5))
                .isGreaterThan(2.0);
    }

    @Test
    void roundsLeftIsZeroOnceTheBudgetIsSpent() {
        PrivacyAccountant spent =
                RdpAccountant.withDefaultOrders().composeAll(rounds(30).events());
        double eps = spent.epsilon(1e-5);
        var left = BudgetCheck.roundsLeft(spent, ROUND, eps * 0.9, 1e-5, Accounting.RDP, 1000);
        assertThat(left.rounds()).isZero();
        assertThat(left.atLeast()).isFalse();
    }

    @Test
    void roundsLeftStopsAtTheHorizon() {
        var cheap = new PrivacyEvent.SampledGaussian(0.001, 20, 1);
        var left = BudgetCheck.roundsLeft(RdpAccountant.withDefaultOrders(), cheap, 10, 1e-5, Accounting.RDP, 500);
        assertThat(left.rounds()).isEqualTo(500);
        assertThat(left.atLeast()).isTrue();
    }

    @Test
    void roundsLeftOfAPldStudyIsCheckedWithPld() {
        var round = new PrivacyEvent.SampledGaussian(0.01, 0.7, 120);
        PrivacyAccountant spent = PldAccountant.create().compose(round);
        var left = BudgetCheck.roundsLeft(spent, round, 4.0, 1e-5, Accounting.PLD, BudgetCheck.DEFAULT_HORIZON);

        long k = left.rounds();
        assertThat(left.atLeast()).isFalse();
        assertThat(fitsPld(spent, round, k)).isTrue();
        assertThat(fitsPld(spent, round, k + 1)).isFalse();
    }

    private static boolean fitsPld(PrivacyAccountant spent, PrivacyEvent round, long k) {
        return (k == 0 ? spent : spent.compose(BudgetCheck.repeated(round, k))).epsilon(1e-5) <= 4.0;
    }

    @Test
    void repeatingAnEventIsComposingItRoundAfterRound() {
        double repeated = RdpAccountant.withDefaultOrders()
                .compose(BudgetCheck.repeated(ROUND, 7))
                .epsilon(1e-5);
        double composed = RdpAccountant.withDefaultOrders()
                .composeAll(List.of(ROUND, ROUND, ROUND, ROUND, ROUND, ROUND, ROUND))
                .epsilon(1e-5);
        assertThat(repeated).isCloseTo(composed, org.assertj.core.data.Percentage.withPercentage(1e-10));
        assertThat(BudgetCheck.repeated(new PrivacyEvent.Gaussian(2, 3), 4))
                .isEqualTo(new PrivacyEvent.Gaussian(2, 12));
    }

    @Test
    void rejectsBudgetsThatCannotBeMet() {
        assertThatThrownBy(() -> BudgetCheck.wouldExceed(rounds(1), ROUND, 0, 1e-5, AccountantKind.RDP))
                .hasMessageContaining("ε budget must be a positive number");
        assertThatThrownBy(() -> BudgetCheck.wouldExceed(rounds(1), ROUND, 1, 1, AccountantKind.RDP))
                .hasMessageContaining("δ must be in (0, 1)");
        assertThatThrownBy(() -> BudgetCheck.assess(PldAccountant.create(), ROUND, 1, 1e-5, Accounting.RDP))
                .hasMessageContaining("cannot report with");
    }

    @Test
    void parsesAccountingAsPeopleTypeIt() {
        assertThat(Accounting.parse(null, null)).isEqualTo(Accounting.RDP);
        assertThat(Accounting.parse("RDP", "classic")).isEqualTo(Accounting.RDP_CLASSIC);
        assertThat(Accounting.parse("pld", null).conversion()).isEqualTo(Conversion.PLD_HOCKEY_STICK);
        assertThat(Accounting.RDP.label()).isEqualTo("RDP accountant with improved conversion");
        assertThatThrownBy(() -> Accounting.parse("gdp", null)).hasMessageContaining("'rdp' or 'pld'");
        assertThatThrownBy(() -> Accounting.parse("pld", "classic")).hasMessageContaining("leave out conversion");
        assertThatThrownBy(() -> Accounting.parse("rdp", "tight")).hasMessageContaining("'improved'");
    }
}
