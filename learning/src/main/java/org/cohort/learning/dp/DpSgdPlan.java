package org.cohort.learning.dp;

import java.util.Objects;
import org.cohort.learning.model.TrainingPlan;

/**
 * The privacy parameters of one site's DP-SGD run, in the unit <em>patient</em> (record-level
 * DP: each row of the site's training table is taken to be one patient; a patient with several
 * rows is protected only at group level, so sites must keep one row per patient).
 *
 * <p>These are exactly the inputs of the sampled Gaussian mechanism that the site's accountant
 * charges: each step includes every row independently with probability {@code samplingRate},
 * clips each included row's gradient to L2 norm {@code clipNorm}, and adds Gaussian noise of
 * standard deviation {@code noiseMultiplier × clipNorm} to the summed gradients. δ is not a
 * parameter of training; the accountant states it when it converts these to ε.
 *
 * @param noiseMultiplier σ, noise standard deviation in units of the clipping norm; finite and above 0
 * @param clipNorm C, the bound on each patient's gradient (L2 over all parameters); finite and above 0
 * @param samplingRate q, the Poisson sampling probability (expected batch size / rows); in (0, 1]
 * @param steps optimiser steps, each one sampled-Gaussian release; at least 1
 * @param declaredRows the training size q was computed from: a site's declared size, public by
 *     assumption, so that q, the steps and the divisor of the noised sum (q × this) never depend on
 *     how many rows the site really has; 0 when not declared (the divisor is then q × the rows
 *     trained on, which only tests and benchmarks use)
 */
public record DpSgdPlan(double noiseMultiplier, double clipNorm, double samplingRate, long steps, long declaredRows) {

    /** A plan whose divisor is q × the rows trained on (no declared size). */
    public DpSgdPlan(double noiseMultiplier, double clipNorm, double samplingRate, long steps) {
        this(noiseMultiplier, clipNorm, samplingRate, steps, 0);
    }

    public DpSgdPlan {
        if (!(noiseMultiplier > 0) || Double.isInfinite(noiseMultiplier)) {
            throw new IllegalArgumentException("noiseMultiplier must be a finite number above 0 (typical: 0.5 to 2;"
                    + " 0 would give no privacy, train with LocalTrainer for non-private training), was "
                    + noiseMultiplier);
        }
        if (!(clipNorm > 0) || Double.isInfinite(clipNorm)) {
            throw new IllegalArgumentException(
                    "clipNorm must be a finite number above 0 (typical: 0.1 to 10, near the median per-patient"
                            + " gradient norm), was " + clipNorm);
        }
        if (!(samplingRate > 0 && samplingRate <= 1)) {
            throw new IllegalArgumentException("samplingRate must be in (0, 1] (expected batch size divided by the"
                    + " number of training rows), was " + samplingRate);
        }
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be at least 1, was " + steps);
        }
        if (declaredRows < 0) {
            throw new IllegalArgumentException("declaredRows must be 0 (none) or a training size, was " + declaredRows);
        }
    }

    /**
     * The plan that makes {@code epochs} passes' worth of steps with an expected batch of
     * {@code expectedBatchSize} rows out of {@code datasetSize}: q = min(1, batch / rows) and
     * ⌈1/q⌉ steps per epoch, as Opacus counts them. {@code datasetSize} becomes the plan's
     * {@link #declaredRows}: a site passes the size it declared, never its real row count.
     */
    public static DpSgdPlan ofEpochs(
            double noiseMultiplier, double clipNorm, int expectedBatchSize, int datasetSize, int epochs) {
        if (expectedBatchSize < 1) {
            throw new IllegalArgumentException("expectedBatchSize must be at least 1, was " + expectedBatchSize);
        }
        if (datasetSize < 1) {
            throw new IllegalArgumentException(
                    "datasetSize must be at least 1 (the site has no training rows), was " + datasetSize);
        }
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be at least 1, was " + epochs);
        }
        double q = Math.min(1.0, (double) expectedBatchSize / datasetSize);
        long stepsPerEpoch = (datasetSize + expectedBatchSize - 1) / expectedBatchSize;
        return new DpSgdPlan(noiseMultiplier, clipNorm, q, Math.multiplyExact(stepsPerEpoch, epochs), datasetSize);
    }

    /**
     * The DP-SGD plan with the same epochs and (expected) batch size as a study's non-private
     * {@code plan}, for a site with {@code datasetSize} training rows.
     */
    public static DpSgdPlan matching(TrainingPlan plan, int datasetSize, double noiseMultiplier, double clipNorm) {
        Objects.requireNonNull(plan, "plan");
        return ofEpochs(noiseMultiplier, clipNorm, plan.batchSize(), datasetSize, plan.localEpochs());
    }

    /** q·n: the expected batch size of {@code datasetSize} rows. */
    public double expectedBatchSize(int datasetSize) {
        return samplingRate * datasetSize;
    }

    /**
     * What the noised gradient sum is divided by (as in Opacus): q × the declared size, or q × the
     * rows trained on when none was declared. A divisor taken from the real row count would scale
     * the released update by a number that depends on one patient more or less.
     */
    public double divisor(int rowsTrainedOn) {
        return samplingRate * (declaredRows > 0 ? declaredRows : rowsTrainedOn);
    }

    /** ⌈1/q⌉: the steps that make one expected pass over the data. */
    public long stepsPerEpoch() {
        return (long) Math.ceil(1 / samplingRate - 1e-9);
    }
}
