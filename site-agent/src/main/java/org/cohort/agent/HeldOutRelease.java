package org.cohort.agent;

import java.util.ArrayList;
import java.util.List;
import org.cohort.privacy.accounting.Unit;
import org.cohort.privacy.noise.DiscreteGaussianSampler;
import org.cohort.privacy.noise.RandomSource;
import org.cohort.privacy.noise.SecureNoiseSource;
import org.cohort.protocol.ErrorSums;
import org.cohort.protocol.NoisedConfusion;
import org.cohort.protocol.ScoreHistogram;
import org.cohort.protocol.v1.PrivacyPlan;
import org.cohort.protocol.v1.RoundTask;
import org.cohort.protocol.v1.TaskKind;

/**
 * What a site may say about its held-out rows under differential privacy. Its test patients are
 * patients too, and accuracy, loss and counts measured on them are releases like any other: a
 * training task says nothing about them (withheld), and only the study's final evaluation
 * releases counts, each plus exact discrete Gaussian noise from the DRBG, at the study's evaluation
 * noise multiplier, charged to the same ledger as training: a binary study's score histogram (true
 * class × score bin, from which AUROC, AUPRC, calibration error and accuracy follow), a multiclass
 * study's confusion matrix. Either way one patient is in exactly one count: one charge of sensitivity 1.
 * A regression study releases its {@link ErrorSums} (count, Σ|e|/R, Σ(e/R)², errors clamped to the
 * declared range): one patient moves them by at most (1, 1, 1), L2 sensitivity √3, so each value
 * carries noise of σ·√3 (Q·σ·√3 on the quantised sums), the same Gaussian mechanism of noise
 * multiplier σ, the same charge.
 */
final class HeldOutRelease {
    private HeldOutRelease() {}

    /** Whether this task's held-out metrics are withheld (any DP study: they are not in the training ε). */
    static boolean withheld(RoundTask task) {
        return task.hasPrivacy()
                && org.cohort.protocol.PrivacyWords.isPrivate(task.getPrivacy().getMode());
    }

    /**
     * Whether this task releases noised counts (see {@link #scoresReleased}): the final evaluation of a patient-level
     * study whose terms set an evaluation noise multiplier. Site-level DP protects a whole site, whose
     * evaluation would then need noise on the scale of all its rows: it releases none.
     */
    static boolean releases(RoundTask task) {
        PrivacyPlan dp = task.getPrivacy();
        // A survival study releases none: its C-index counts pairs, whose sensitivity to one patient is n - 1.
        return task.getKind() == TaskKind.EVALUATE
                && dp.getMode() == org.cohort.protocol.v1.PrivacyMode.PRIVACY_MODE_PATIENT
                && dp.getEvaluationNoiseMultiplier() > 0
                && !DatasetSchemas.isSurvival(task.getDataset());
    }

    /** Whether {@code classes} make a binary study, whose evaluation is a score histogram rather than a confusion matrix. */
    static boolean scoresReleased(int classes) {
        return classes == 2;
    }

    /** The charge of the release {@code task} asks for, known before anything is measured. */
    static PrivacyCharge plannedCharge(RoundTask task) {
        return charge(task.getPrivacy().getEvaluationNoiseMultiplier());
    }

    /** A Gaussian mechanism of sensitivity 1 (one patient, one count) and noise multiplier σ, released once. */
    static PrivacyCharge charge(double sigma) {
        return new PrivacyCharge(Unit.PATIENT, 1.0, sigma, 1);
    }

    /** {@code counts} (true × predicted, row-major) with discrete Gaussian noise of σ from the DRBG. */
    static NoisedConfusion release(long[] counts, int classes, double sigma) {
        return release(counts, classes, sigma, SecureNoiseSource.create());
    }

    /** As {@link #release(long[], int, double)} with the given bits (tests). */
    static NoisedConfusion release(long[] counts, int classes, double sigma, RandomSource random) {
        return new NoisedConfusion(noised(counts, sigma, random), classes, sigma);
    }

    /** A binary study's score histogram (true class × bin, row-major) with discrete Gaussian noise of σ from the DRBG. */
    static ScoreHistogram releaseScores(long[] counts, int bins, double sigma) {
        return releaseScores(counts, bins, sigma, SecureNoiseSource.create());
    }

    /** As {@link #releaseScores(long[], int, double)} with the given bits (tests). */
    static ScoreHistogram releaseScores(long[] counts, int bins, double sigma, RandomSource random) {
        return new ScoreHistogram(noised(counts, sigma, random), bins, sigma);
    }

    /** A regression study's exact {@code sums} with discrete Gaussian noise for noise multiplier σ, from the DRBG. */
    static ErrorSums releaseErrors(ErrorSums sums, double sigma) {
        return releaseErrors(sums, sigma, SecureNoiseSource.create());
    }

    /**
     * As {@link #releaseErrors(ErrorSums, double)} with the given bits (tests): the count plus noise of
     * standard deviation σ·√3, each sum plus noise of Q·σ·√3 (its unit is 1/Q), so the release is one
     * Gaussian mechanism of noise multiplier σ on a vector of L2 sensitivity √3.
     */
    static ErrorSums releaseErrors(ErrorSums sums, double sigma, RandomSource random) {
        if (sums.noised()) {
            throw new IllegalArgumentException("these error sums already carry noise");
        }
        double noise = sigma * ErrorSums.SENSITIVITY;
        var counts = DiscreteGaussianSampler.withSigma(noise, random);
        var quantised = DiscreteGaussianSampler.withSigma(noise * ErrorSums.QUANTUM, random);
        return new ErrorSums(
                Math.addExact(sums.count(), counts.sample()),
                Math.addExact(sums.absoluteErrors(), quantised.sample()),
                Math.addExact(sums.squaredErrors(), quantised.sample()),
                noise);
    }

    private static List<Long> noised(long[] counts, double sigma, RandomSource random) {
        var sampler = DiscreteGaussianSampler.withSigma(sigma, random);
        var noised = new ArrayList<Long>(counts.length);
        for (long count : counts) {
            noised.add(Math.addExact(count, sampler.sample()));
        }
        return noised;
    }
}
