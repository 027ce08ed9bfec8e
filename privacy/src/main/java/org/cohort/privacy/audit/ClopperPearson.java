package org.cohort.privacy.audit;

import org.apache.commons.math3.distribution.BetaDistribution;

/**
 * One-sided Clopper–Pearson bounds on a binomial proportion: exact, from the Beta quantiles, so
 * that an audit's error rates are never under-stated however few runs it made (the normal
 * approximation is too optimistic at the counts near 0 that a leaking pipeline produces).
 */
public final class ClopperPearson {

    /** The Beta quantile to 1e-14 (commons-math's default, 1e-9, shows in a printed ε's last digits). */
    private static final double QUANTILE_ACCURACY = 1e-14;

    private ClopperPearson() {}

    /**
     * The smallest p such that seeing at most {@code successes} in {@code trials} had probability at
     * least {@code 1 - confidence}: with that confidence the true proportion is at most this. Beta(k
     * + 1, n - k) quantile; 1 when every trial succeeded.
     *
     * @param confidence one-sided, e.g. 0.975
     */
    public static double upperBound(int successes, int trials, double confidence) {
        if (trials < 1 || successes < 0 || successes > trials) {
            throw new IllegalArgumentException(
                    "need 0 ≤ successes ≤ trials and trials ≥ 1, got " + successes + " of " + trials);
        }
        if (!(confidence > 0 && confidence < 1)) {
            throw new IllegalArgumentException("confidence must be in (0, 1), e.g. 0.975, got " + confidence);
        }
        if (successes == trials) {
            return 1;
        }
        return new BetaDistribution(null, successes + 1.0, trials - successes, QUANTILE_ACCURACY)
                .inverseCumulativeProbability(confidence);
    }
}
