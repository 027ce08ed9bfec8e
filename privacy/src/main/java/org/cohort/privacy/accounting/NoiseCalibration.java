package org.cohort.privacy.accounting;

import java.util.List;
import java.util.function.DoubleFunction;

/**
 * The smallest noise multiplier that keeps a planned run within a target ε at δ — what Opacus'
 * {@code get_noise_multiplier} answers, for any schedule of events. The search brackets σ by
 * doubling, then bisects; it always returns the upper end of the bracket, so the σ returned
 * provably meets the target (its ε is computed, not interpolated) and exceeds the smallest such
 * σ by at most the relative tolerance.
 */
public final class NoiseCalibration {
    /** Relative width of the final bracket: σ is at most this much above the smallest that works. */
    public static final double RELATIVE_TOLERANCE = 1e-4;

    private static final double LARGEST_SIGMA = 1e4;

    private NoiseCalibration() {}

    /**
     * @param eventsForSigma the run's events for a given σ (e.g. R rounds of DP-SGD at a site)
     * @return the smallest σ (within {@link #RELATIVE_TOLERANCE}) whose composition has ε ≤ target at δ
     * @throws IllegalArgumentException if even σ = 10⁴ cannot meet the target (e.g. q = 1 with
     *     millions of steps), or the inputs are out of range
     */
    public static double noiseMultiplier(
            DoubleFunction<List<? extends PrivacyEvent>> eventsForSigma,
            double targetEpsilon,
            double delta,
            AccountantKind accountant) {
        if (!(targetEpsilon > 0) || Double.isInfinite(targetEpsilon)) {
            throw new IllegalArgumentException("target ε must be a positive number, was " + targetEpsilon);
        }
        if (!(delta > 0 && delta < 1)) {
            throw new IllegalArgumentException("δ must be in (0, 1), was " + delta);
        }
        double hi = 0.5;
        while (epsilon(eventsForSigma, hi, delta, accountant) > targetEpsilon) {
            hi *= 2;
            if (hi > LARGEST_SIGMA) {
                throw new IllegalArgumentException("no noise multiplier up to " + LARGEST_SIGMA + " reaches ε = "
                        + targetEpsilon + " at δ = " + delta + " for this schedule; take fewer steps or sample less");
            }
        }
        double lo = hi / 2;
        if (epsilon(eventsForSigma, lo, delta, accountant) <= targetEpsilon) {
            // The first bracket already meets the target at its lower end: keep halving.
            while (lo > 1e-3 && epsilon(eventsForSigma, lo / 2, delta, accountant) <= targetEpsilon) {
                lo /= 2;
            }
            hi = lo;
            lo = hi / 2;
        }
        while ((hi - lo) / hi > RELATIVE_TOLERANCE) {
            double mid = (lo + hi) / 2;
            if (epsilon(eventsForSigma, mid, delta, accountant) <= targetEpsilon) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        return hi;
    }

    private static double epsilon(
            DoubleFunction<List<? extends PrivacyEvent>> events,
            double sigma,
            double delta,
            AccountantKind accountant) {
        return PrivacyAccountant.create(accountant)
                .composeAll(events.apply(sigma))
                .epsilon(delta);
    }
}
