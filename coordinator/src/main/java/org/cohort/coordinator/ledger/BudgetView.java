package org.cohort.coordinator.ledger;

import java.util.List;
import org.cohort.privacy.accounting.PrivacyEvent;
import org.cohort.privacy.accounting.PrivacyReport;
import org.cohort.privacy.accounting.Unit;

/**
 * A study's privacy budget for one unit, site by site. Every ε here is at {@code delta} with
 * {@code accounting}, and each site's {@link PrivacyReport} carries the events it was computed from.
 */
public record BudgetView(
        String studyId, Unit unit, double epsilonBudget, double delta, Accounting accounting, List<SiteBudget> sites) {

    public BudgetView {
        sites = List.copyOf(sites);
    }

    /**
     * @param roundsCharged    rounds this site has been charged for
     * @param spent            ε spent, with unit, δ, accountant, conversion and inputs
     * @param remainingEpsilon budget minus spent, never below 0 (ε does not add up linearly, so
     *                         use {@code roundsLeft} to plan, not this difference)
     * @param perRoundEvent    the site's current parameters: its last charged round
     * @param roundsLeft       rounds at those parameters that keep ε within the budget
     */
    public record SiteBudget(
            String siteId,
            int roundsCharged,
            PrivacyReport spent,
            double remainingEpsilon,
            PrivacyEvent perRoundEvent,
            BudgetCheck.RoundsLeft roundsLeft) {

        public boolean exhausted() {
            return roundsLeft.rounds() == 0 && !roundsLeft.atLeast();
        }
    }
}
