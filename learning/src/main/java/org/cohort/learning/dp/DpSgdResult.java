package org.cohort.learning.dp;

import org.cohort.learning.train.TrainingResult;

/**
 * What one DP-SGD run did, including exactly what the site's accountant must charge: a sampled
 * Gaussian event with sampling rate {@link #samplingRate}, noise multiplier
 * {@link #accountedNoiseMultiplier} and {@link #steps} steps, in the unit patient.
 *
 * @param meanLoss mean training loss (nats per example) over the last epoch's worth of steps
 *     (⌈1/q⌉), each example's loss measured before its step; NaN if those batches were all empty.
 *     Computed from raw data without noise: a diagnostic for the site, not for release
 * @param examples training rows at the site (the FedAvg weight; q·n is the expected batch size)
 * @param steps sampled-Gaussian releases made, empty batches included
 * @param sampledExamples rows over all steps (varies run to run under Poisson sampling); not for release
 * @param samplingRate q, the Poisson sampling probability used
 * @param noiseMultiplier σ requested: the noise had standard deviation σ·C on the gradient sum
 * @param clipNorm C, the per-example L2 bound used
 * @param accountedNoiseMultiplier σ·C / (the noise source's accounted sensitivity for C): equal to
 *     σ for an exact Gaussian, a hair smaller for the lattice Gaussian; charge the accountant with this
 * @param vectorised true for the fast path, false when per-example gradients came from a loop of
 *     batch-size-1 backward passes (20 to 70× slower; the log says why)
 * @param noise the noise source's description, for the audit log
 */
public record DpSgdResult(
        double meanLoss,
        long examples,
        long steps,
        long sampledExamples,
        double samplingRate,
        double noiseMultiplier,
        double clipNorm,
        double accountedNoiseMultiplier,
        boolean vectorised,
        String noise) {

    /** As the non-private trainer reports it, for code that handles both. */
    public TrainingResult toTrainingResult() {
        return new TrainingResult(meanLoss, examples, steps);
    }
}
