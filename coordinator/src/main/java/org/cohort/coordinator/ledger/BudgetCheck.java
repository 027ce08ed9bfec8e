package org.cohort.coordinator.ledger;

import org.cohort.privacy.accounting.AccountantKind;
import org.cohort.privacy.accounting.EventHistory;
import org.cohort.privacy.accounting.PrivacyAccountant;
import org.cohort.privacy.accounting.PrivacyEvent;
import org.cohort.privacy.accounting.PrivacyNumbers;
import org.cohort.privacy.accounting.RdpAccountant;
import org.cohort.privacy.accounting.rdp.RdpConversion;

/**
 * Would one more round overspend a budget, and how many rounds are left? Pure computation
 * over event histories, called before a round runs: a round that would take any selected site
 * past its budget is refused, not run.
 */
public final class BudgetCheck {

    /** Rounds-left searches stop here (the most rounds a study may plan). */
    public static final long DEFAULT_HORIZON = 100_000;

    /**
     * Below this many rounds left, a PLD study's estimate (found with the fast RDP accountant)
     * is checked and tightened with PLD itself; above it, the RDP count is reported as a lower
     * bound, because composing thousands of PLD rounds takes minutes.
     */
    static final long PLD_EXACT_BELOW = 50;

    private BudgetCheck() {}

    /**
     * The outcome of checking one more event against a budget.
     *
     * @param spentEpsilon  ε of the history alone
     * @param epsilonAfter  ε of the history followed by {@code nextEvent}
     * @param exceeds       epsilonAfter > epsilonBudget
     */
    public record Assessment(
            double spentEpsilon,
            double epsilonAfter,
            double epsilonBudget,
            double delta,
            Accounting accounting,
            PrivacyEvent nextEvent,
            boolean exceeds) {

        /** e.g. "ε would reach 1.204 > budget 1.000 (δ = 1e-5, RDP accountant with improved conversion; ...)". */
        public String explain() {
            return "ε would " + (exceeds ? "reach " : "be ") + PrivacyNumbers.epsilon(epsilonAfter)
                    + (exceeds ? " > budget " : " ≤ budget ") + PrivacyNumbers.epsilon(epsilonBudget)
                    + " (spent so far " + PrivacyNumbers.epsilon(spentEpsilon) + ", δ = "
                    + PrivacyNumbers.delta(delta) + ", " + accounting.label() + "; next round: "
                    + nextEvent.describe() + ")";
        }
    }

    /**
     * How many more rounds of the same event fit in the budget.
     *
     * @param rounds  the count (0 when the budget is already reached)
     * @param atLeast true when the true count may be larger: the horizon was reached, or a
     *                PLD study's count comes from the looser RDP accountant
     * @param method  how the count was found, in words
     */
    public record RoundsLeft(long rounds, boolean atLeast, String method) {}

    /** True when composing {@code nextEvent} after {@code history} gives ε above {@code epsilonBudget} at δ. */
    public static boolean wouldExceed(
            EventHistory history,
            PrivacyEvent nextEvent,
            double epsilonBudget,
            double delta,
            AccountantKind accountant) {
        return assess(history, nextEvent, epsilonBudget, delta, Accounting.of(accountant))
                .exceeds();
    }

    public static boolean wouldExceed(
            EventHistory history, PrivacyEvent nextEvent, double epsilonBudget, double delta, Accounting accounting) {
        return assess(history, nextEvent, epsilonBudget, delta, accounting).exceeds();
    }

    public static Assessment assess(
            EventHistory history, PrivacyEvent nextEvent, double epsilonBudget, double delta, Accounting accounting) {
        return assess(
                accounting.newAccountant().composeAll(history.events()), nextEvent, epsilonBudget, delta, accounting);
    }

    /** As {@link #assess(EventHistory, PrivacyEvent, double, double, Accounting)}, from an already composed history. */
    public static Assessment assess(
            PrivacyAccountant composed,
            PrivacyEvent nextEvent,
            double epsilonBudget,
            double delta,
            Accounting accounting) {
        checkBudget(epsilonBudget, delta);
        if (nextEvent == null) {
            throw new IllegalArgumentException("the next round's privacy event is needed to check a budget");
        }
        accounting.checkKind(composed);
        double spent = accounting.epsilon(composed, delta);
        double after = accounting.epsilon(composed.compose(nextEvent), delta);
        return new Assessment(spent, after, epsilonBudget, delta, accounting, nextEvent, after > epsilonBudget);
    }

    /**
     * The largest k ≤ horizon such that k more rounds of {@code perRound} after the history keep
     * ε ≤ budget at δ. Bounded: a binary search over k, each probe one composition.
     */
    public static RoundsLeft roundsLeft(
            PrivacyAccountant composed,
            PrivacyEvent perRound,
            double epsilonBudget,
            double delta,
            Accounting accounting,
            long horizon) {
        checkBudget(epsilonBudget, delta);
        if (horizon < 1) {
            throw new IllegalArgumentException("horizon must be at least 1 round");
        }
        accounting.checkKind(composed);
        if (composed instanceof RdpAccountant rdp) {
            var left = rdpRoundsLeft(rdp, perRound, epsilonBudget, delta, accounting.rdpMethod(), horizon);
            return new RoundsLeft(
                    left,
                    left == horizon,
                    "exact with the " + accounting.label()
                            + (left == horizon ? " (search stopped at " + horizon + " rounds)" : ""));
        }
        // PLD: find the count with RDP (fast), then check it, and one more round, with PLD itself.
        RdpAccountant rdp = RdpAccountant.withDefaultOrders().composeAll(composed.events());
        long k = rdpRoundsLeft(rdp, perRound, epsilonBudget, delta, RdpConversion.Method.IMPROVED, horizon);
        if (k >= PLD_EXACT_BELOW) {
            return new RoundsLeft(
                    k, true, "at least " + k + " by the " + Accounting.RDP.label() + ", which is looser than PLD");
        }
        long lo = 0;
        long hi = k;
        if (!fitsPld(composed, perRound, k, epsilonBudget, delta)) {
            // Rare: PLD's pessimistic discretisation above RDP. Search [0, k) with PLD.
            hi = k - 1;
            while (lo < hi) {
                long mid = (lo + hi + 1) >>> 1;
                if (fitsPld(composed, perRound, mid, epsilonBudget, delta)) {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            return new RoundsLeft(lo, false, "exact with the " + accounting.label());
        }
        // PLD is usually tighter: gallop upwards from the RDP count (bounded), then bisect.
        long fits = k;
        long fails = -1;
        long limit = Math.min(horizon, k + 2 * PLD_EXACT_BELOW);
        for (long step = 1; fits < limit; step *= 2) {
            long probe = Math.min(limit, fits + step);
            if (fitsPld(composed, perRound, probe, epsilonBudget, delta)) {
                fits = probe;
            } else {
                fails = probe;
                break;
            }
        }
        if (fails < 0) {
            return new RoundsLeft(
                    fits, true, "at least " + fits + " with the " + accounting.label() + " (search stopped there)");
        }
        while (fails - fits > 1) {
            long mid = (fits + fails) >>> 1;
            if (fitsPld(composed, perRound, mid, epsilonBudget, delta)) {
                fits = mid;
            } else {
                fails = mid;
            }
        }
        return new RoundsLeft(fits, false, "exact with the " + accounting.label());
    }

    /** {@code event} repeated {@code times} times, as one event (exact: same q and σ, steps add up). */
    public static PrivacyEvent repeated(PrivacyEvent event, long times) {
        if (times < 1) {
            throw new IllegalArgumentException("times must be at least 1");
        }
        return switch (event) {
            case PrivacyEvent.SampledGaussian g ->
                new PrivacyEvent.SampledGaussian(
                        g.samplingRate(), g.noiseMultiplier(), Math.multiplyExact(g.steps(), times));
            case PrivacyEvent.Gaussian g ->
                new PrivacyEvent.Gaussian(g.noiseMultiplier(), Math.multiplyExact(g.count(), times));
        };
    }

    /** RDP is linear in repetitions, so k rounds cost k times one round's curve: each probe is a conversion only. */
    private static long rdpRoundsLeft(
            RdpAccountant base,
            PrivacyEvent perRound,
            double budget,
            double delta,
            RdpConversion.Method method,
            long horizon) {
        double[] orders = base.orders();
        double[] r0 = base.rdp();
        double[] r1 = RdpAccountant.withOrders(orders).compose(perRound).rdp();
        if (rdpEpsilon(orders, r0, r1, 0, delta, method) > budget) {
            return 0;
        }
        if (rdpEpsilon(orders, r0, r1, horizon, delta, method) <= budget) {
            return horizon;
        }
        long lo = 0; // fits
        long hi = horizon; // does not fit
        while (hi - lo > 1) {
            long mid = (lo + hi) >>> 1;
            if (rdpEpsilon(orders, r0, r1, mid, delta, method) <= budget) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private static double rdpEpsilon(
            double[] orders, double[] r0, double[] r1, long k, double delta, RdpConversion.Method method) {
        double[] r = new double[orders.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = k == 0 ? r0[i] : r0[i] + k * r1[i];
        }
        return RdpConversion.epsilon(orders, r, delta, method).value();
    }

    private static boolean fitsPld(
            PrivacyAccountant composed, PrivacyEvent perRound, long k, double budget, double delta) {
        PrivacyAccountant after = k == 0 ? composed : composed.compose(repeated(perRound, k));
        return after.epsilon(delta) <= budget;
    }

    static void checkBudget(double epsilonBudget, double delta) {
        if (!(epsilonBudget > 0) || Double.isInfinite(epsilonBudget)) {
            throw new IllegalArgumentException("the ε budget must be a positive number, got " + epsilonBudget);
        }
        if (!(delta > 0 && delta < 1)) {
            throw new IllegalArgumentException("δ must be in (0, 1), got " + delta);
        }
    }
}
