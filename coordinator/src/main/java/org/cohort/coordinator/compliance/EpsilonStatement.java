package org.cohort.coordinator.compliance;

import java.util.ArrayList;
import java.util.List;
import org.cohort.coordinator.compliance.PrivacyViews.EventView;
import org.cohort.coordinator.ledger.Accounting;
import org.cohort.coordinator.ledger.BudgetCheck;
import org.cohort.privacy.accounting.PrivacyAccountant;
import org.cohort.privacy.accounting.PrivacyEvent;
import org.cohort.privacy.accounting.PrivacyNumbers;
import org.cohort.privacy.accounting.PrivacyReport;
import org.cohort.privacy.accounting.Unit;

/**
 * ε of one sampled Gaussian mechanism, optionally repeated for several rounds, stated in full so
 * that anyone can check a number. Unit-free: it holds for whatever one record is (a patient in
 * DP-SGD, a whole site in DP-FedAvg).
 *
 * @param rounds    the event composed this many times, one after another (as the ledger composes rounds)
 * @param recompute the same computation with the Cohort command-line tool
 */
public record EpsilonStatement(
        double epsilon,
        String epsilonText,
        double delta,
        String deltaText,
        String accountant,
        String conversion,
        String method,
        String accountingParameters,
        String unit,
        EventView input,
        long rounds,
        String statement,
        String recompute) {

    /** Steps × rounds above this with PLD would take minutes; RDP has no such limit. */
    static final long MAX_PLD_STEPS = 1_000_000;

    static final long MAX_ROUNDS = 100_000;
    /** Each PLD round is one convolution (about half a second). */
    static final long MAX_PLD_ROUNDS = 100;
    /** Up to here RDP rounds are composed one by one, exactly as the ledger does; beyond, as one event (equal up to rounding). */
    static final long RDP_ROUND_BY_ROUND = 1000;

    /**
     * Computes and states ε. Nulls mean "not given"; every problem is reported at once.
     *
     * @throws IllegalArgumentException naming each missing or invalid parameter and its valid range
     */
    public static EpsilonStatement compute(
            Double q, Double sigma, Long steps, Long rounds, Double delta, String accountant, String conversion) {
        List<String> problems = new ArrayList<>();
        if (q == null || !(q > 0 && q <= 1)) {
            problems.add("q (sampling rate: each record's chance of taking part in a step) must be in (0, 1]"
                    + (q == null ? ", but it is missing" : ", got " + q));
        }
        if (sigma == null || !(sigma > 0) || sigma.isInfinite()) {
            problems.add("sigma (noise multiplier: noise standard deviation / clipping norm) must be a positive number"
                    + (sigma == null ? ", but it is missing" : ", got " + sigma));
        }
        if (steps == null || steps < 1) {
            problems.add("steps (compositions of the mechanism, e.g. DP-SGD steps) must be at least 1"
                    + (steps == null ? ", but it is missing" : ", got " + steps));
        }
        long r = rounds == null ? 1 : rounds;
        if (r < 1 || r > MAX_ROUNDS) {
            problems.add("rounds must be between 1 and " + MAX_ROUNDS + ", got " + r);
        }
        if (delta == null || !(delta > 0 && delta < 1)) {
            problems.add("delta must be in (0, 1), typically below 1/number of records"
                    + (delta == null ? ", but it is missing" : ", got " + delta));
        }
        Accounting accounting = null;
        try {
            accounting = Accounting.parse(accountant, conversion);
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
        if (problems.isEmpty()
                && accounting.equals(Accounting.PLD)
                && (steps > MAX_PLD_STEPS || r > MAX_PLD_ROUNDS || steps * r > MAX_PLD_STEPS)) {
            problems.add("the PLD accountant is limited here to " + MAX_PLD_STEPS + " steps in all and "
                    + MAX_PLD_ROUNDS + " rounds, got " + steps + " steps × " + r + " rounds; use accountant=rdp, or"
                    + " the command-line tool, which has no limit");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("cannot compute ε: " + String.join("; ", problems));
        }
        var event = new PrivacyEvent.SampledGaussian(q, sigma, steps);
        PrivacyAccountant acc = accounting.newAccountant();
        if (r > RDP_ROUND_BY_ROUND) {
            acc = acc.compose(BudgetCheck.repeated(event, r));
        } else {
            for (long i = 0; i < r; i++) {
                acc = acc.compose(event);
            }
        }
        PrivacyReport report = accounting.report(acc, delta, Unit.PATIENT);
        String params = report.parameters().explain();
        String eps = PrivacyNumbers.epsilon(report.epsilon());
        String d = PrivacyNumbers.delta(delta);
        String composed = steps + (steps == 1 ? " step" : " steps") + (r == 1 ? "" : " per round for " + r + " rounds");
        String statement = "For one sampled Gaussian mechanism - each record takes part in each step independently with"
                + " probability q = " + PrivacyNumbers.plain(q) + ", and the sum of clipped contributions gets Gaussian"
                + " noise with multiplier σ = " + PrivacyNumbers.plain(sigma) + " - composed over " + composed
                + ", the "
                + accounting.label() + " gives ε = " + eps + " at δ = " + d + " (" + params + "). The bound is"
                + " unit-free: it protects whatever one record is - a patient under DP-SGD, a whole site under"
                + " DP-FedAvg.";
        String recompute =
                "cohort privacy epsilon --q " + PrivacyNumbers.plain(q) + " --sigma " + PrivacyNumbers.plain(sigma)
                        + " --steps " + steps + (r == 1 ? "" : " --rounds " + r) + " --delta " + d + " --accountant "
                        + accounting.accountantName()
                        + (accounting.equals(Accounting.RDP_CLASSIC) ? " --conversion classic" : "");
        return new EpsilonStatement(
                report.epsilon(),
                eps,
                delta,
                d,
                accounting.accountantName(),
                accounting.conversionName(),
                accounting.label(),
                params,
                null,
                EventView.of(event),
                r,
                statement,
                recompute);
    }
}
