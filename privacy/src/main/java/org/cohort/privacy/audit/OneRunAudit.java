package org.cohort.privacy.audit;

import org.apache.commons.math3.special.Gamma;

/**
 * The statistics of the one-run audit of Steinke, Nasr and Jagielski (2023, "Privacy Auditing
 * with One (1) Training Run", NeurIPS; arXiv:2305.08846): m canaries are each included
 * independently with probability 1/2, the mechanism runs once, and an auditor who sees only its
 * output guesses "in" or "out" for r of them (abstaining on the rest) and gets v right. If the
 * mechanism is (ε, δ)-DP with respect to each canary, then (their Theorem 3.3, approximate DP
 * with abstentions), for f(v) = P[Binomial(r, e^ε / (1 + e^ε)) ≥ v],
 *
 * <pre>  P[correct ≥ v] ≤ f(v) + 2·m·δ · max over i in 1..m of (f(v - i) - f(v)) / i.</pre>
 *
 * That right-hand side is the p-value of seeing v correct guesses if the claim (ε, δ) held, and
 * the largest ε whose p-value is still below 1 - confidence is an empirical lower bound: with the
 * stated confidence, the mechanism is not (ε', δ)-DP for any ε' below it.
 *
 * <p>Pure arithmetic on counts; which canaries, which scores and which guesses is the caller's
 * business, with one rule the theorem needs: the guesses must be a function of the mechanism's
 * output (and of anything independent of which canaries were included), fixed before the
 * inclusions are looked at.
 */
public final class OneRunAudit {

    /** Bisection steps: the bound is found to 2^-50 of its bracket, far below anything printed. */
    private static final int BISECTION_STEPS = 50;

    /** Past this ε no count of guesses can refute the claim at any useful confidence (e^-60 ≈ 1e-26). */
    private static final double MAX_EPSILON = 60;

    private OneRunAudit() {}

    /**
     * The outcome of an audit as the theorem counts it.
     *
     * @param canaries m, canaries each included with probability 1/2
     * @param guesses r, canaries the auditor guessed for (the rest abstained); 0 ≤ r ≤ m
     * @param correct v, correct guesses; 0 ≤ v ≤ r
     */
    public record Outcome(int canaries, int guesses, int correct) {
        public Outcome {
            if (canaries < 0 || guesses < 0 || correct < 0 || guesses > canaries || correct > guesses) {
                throw new IllegalArgumentException("need 0 ≤ correct ≤ guesses ≤ canaries, got correct = " + correct
                        + ", guesses = " + guesses + ", canaries = " + canaries);
            }
        }
    }

    /**
     * The probability of at least {@code outcome.correct()} correct guesses if the mechanism were
     * (ε, δ)-DP with respect to each canary (Theorem 3.3 of Steinke, Nasr and Jagielski 2023).
     */
    public static double pValue(Outcome outcome, double epsilon, double delta) {
        if (!(epsilon >= 0) || Double.isInfinite(epsilon)) {
            throw new IllegalArgumentException("epsilon must be finite and at least 0, got " + epsilon);
        }
        checkDelta(delta);
        int r = outcome.guesses();
        int v = outcome.correct();
        if (v == 0) {
            return 1;
        }
        double[] pmf = binomialPmf(r, 1 / (1 + Math.exp(-epsilon)));
        double tail = 0; // f(v) = P[Bin ≥ v], summed from the top so that small tails keep their digits
        for (int k = r; k >= v; k--) {
            tail += pmf[k];
        }
        // max over i ≥ 1 of P[v - i ≤ Bin < v] / i. For i ≥ v the numerator stops growing (it is
        // P[Bin < v]), so the maximum over i in 1..m is reached at some i ≤ v.
        double alpha = 0;
        double below = 0;
        for (int i = 1; i <= v; i++) {
            below += pmf[v - i];
            alpha = Math.max(alpha, below / i);
        }
        return Math.min(1, tail + 2.0 * outcome.canaries() * delta * alpha);
    }

    /**
     * The largest ε at which {@code outcome} would still be surprising, to the given confidence,
     * for an (ε, δ)-DP mechanism: the empirical lower bound. 0 when the guesses are no better than
     * chance allows.
     *
     * @param confidence e.g. 0.95: the bound is wrong with probability at most 1 - confidence
     */
    public static double epsilonLowerBound(Outcome outcome, double delta, double confidence) {
        checkDelta(delta);
        if (!(confidence > 0 && confidence < 1)) {
            throw new IllegalArgumentException("confidence must be in (0, 1), e.g. 0.95, got " + confidence);
        }
        double level = 1 - confidence;
        if (pValue(outcome, 0, delta) >= level) {
            return 0;
        }
        // p is increasing in ε: keep p(low) < level ≤ p(high).
        double low = 0;
        double high = 1;
        while (pValue(outcome, high, delta) < level) {
            low = high;
            high *= 2;
            if (high > MAX_EPSILON) {
                return MAX_EPSILON;
            }
        }
        for (int step = 0; step < BISECTION_STEPS; step++) {
            double mid = (low + high) / 2;
            if (pValue(outcome, mid, delta) < level) {
                low = mid;
            } else {
                high = mid;
            }
        }
        return low;
    }

    /** P[Binomial(n, p) = k] for k = 0..n, from logarithms so that large n neither overflows nor underflows. */
    static double[] binomialPmf(int n, double p) {
        double[] pmf = new double[n + 1];
        double logP = Math.log(p);
        double logQ = Math.log1p(-p);
        double logNFactorial = Gamma.logGamma(n + 1.0);
        for (int k = 0; k <= n; k++) {
            double logChoose = logNFactorial - Gamma.logGamma(k + 1.0) - Gamma.logGamma(n - k + 1.0);
            pmf[k] = Math.exp(logChoose + (k == 0 ? 0 : k * logP) + (k == n ? 0 : (n - k) * logQ));
        }
        return pmf;
    }

    private static void checkDelta(double delta) {
        if (!(delta >= 0 && delta < 1)) {
            throw new IllegalArgumentException("delta must be in [0, 1), got " + delta);
        }
    }
}
