package org.cohort.agent;

import java.util.List;
import org.cohort.learning.dp.DpSgdPlan;
import org.cohort.learning.dp.SecureGaussianNoise;
import org.cohort.learning.model.TrainingPlan;
import org.cohort.privacy.accounting.AccountantKind;
import org.cohort.privacy.accounting.NoiseCalibration;
import org.cohort.privacy.accounting.PrivacyEvent;
import org.cohort.privacy.accounting.Unit;
import org.cohort.privacy.noise.GranularGaussianNoise;
import org.cohort.protocol.v1.PrivacyPlan;

/**
 * Patient-level DP at the site: the DP-SGD plan (Poisson sampling, per-example clipping, Gaussian
 * noise) a {@link Trainer} runs for the study's local epochs, and its charge. The charge the site's
 * ledger records and the coordinator's ledger receives is the agent's own plan, computed the same
 * way before training (for the site's ceiling) and after it, whichever trainer ran, so the two
 * cannot disagree and a trainer's report never sets it.
 */
final class PatientLevelTraining {
    private PatientLevelTraining() {}

    /**
     * The DP-SGD plan of this task: the study's noise multiplier, or, when the study lets sites
     * calibrate, the site's own (never below the study's). q, the steps and the divisor come from
     * the training size the site declared (written into the plan by its agent), so nothing released
     * depends on the real row count; {@code rows} (the real count) only stands in where no size was
     * declared (tests of the learner alone).
     */
    static DpSgdPlan plan(PrivacyPlan dp, TrainingPlan plan, int rows) {
        rows = population(dp, rows);
        int expectedBatch = dp.getExpectedBatchSize() > 0 ? dp.getExpectedBatchSize() : plan.batchSize();
        double sigma = dp.getNoiseMultiplier();
        if (dp.getCalibrateAtSite()) {
            sigma = Math.max(sigma, calibratedSigma(dp, plan, rows));
        }
        return DpSgdPlan.ofEpochs(sigma, dp.getClipNorm(), expectedBatch, rows, plan.localEpochs());
    }

    /**
     * The smallest noise multiplier with which the study's rounds of this site's DP-SGD end at
     * ε ≤ the study's budget, counted from nothing spent (what a task alone can tell; the agent
     * refines it with its own ledger: {@link #calibratedSigma(PrivacyPlan, TrainingPlan, int, List, double, int)}).
     */
    static double calibratedSigma(PrivacyPlan dp, TrainingPlan plan, int rows) {
        if (!(dp.getEpsilonBudget() > 0) || dp.getStudyRounds() < 1) {
            throw new IllegalArgumentException(
                    "the study asks sites to calibrate their noise but states no ε budget" + " or number of rounds");
        }
        return calibratedSigma(dp, plan, rows, List.of(), dp.getEpsilonBudget(), dp.getStudyRounds());
    }

    /**
     * The smallest noise multiplier with which {@code remainingRounds} more rounds of this site's
     * DP-SGD, after the {@code spent} events, end at ε ≤ {@code limit}. Calibrated with the RDP
     * accountant whatever the study's accountant (RDP's ε is the larger one, so a PLD study ends
     * below its limit: conservative), for the σ the accountant is charged (the lattice sampler's,
     * at the largest model a task may carry), and deterministic for the same inputs, so the
     * planned charge and the training use the same σ.
     *
     * @throws IllegalArgumentException when no σ up to 10⁴ fits (the limit is as good as spent)
     */
    static double calibratedSigma(
            PrivacyPlan dp, TrainingPlan plan, int rows, List<PrivacyEvent> spent, double limit, int remainingRounds) {
        rows = population(dp, rows);
        int expectedBatch = dp.getExpectedBatchSize() > 0 ? dp.getExpectedBatchSize() : plan.batchSize();
        // q and the steps of a round do not depend on σ.
        DpSgdPlan shape = DpSgdPlan.ofEpochs(1.0, dp.getClipNorm(), expectedBatch, rows, plan.localEpochs());
        long steps = shape.steps() * (long) Math.max(1, remainingRounds);
        double accounted = NoiseCalibration.noiseMultiplier(
                z -> {
                    var events = new java.util.ArrayList<PrivacyEvent>(spent);
                    if (dp.getEvaluationNoiseMultiplier() > 0) {
                        // The study's final evaluation is charged to the same budget: reserve it now.
                        events.add(HeldOutRelease.charge(dp.getEvaluationNoiseMultiplier())
                                .event());
                    }
                    events.add(new PrivacyEvent.SampledGaussian(shape.samplingRate(), z, steps));
                    return events;
                },
                limit,
                dp.getDelta(),
                AccountantKind.RDP);
        return accounted * accountedSensitivity(dp.getClipNorm(), Integer.MAX_VALUE) / dp.getClipNorm();
    }

    /** The size q is computed from: the declared training size when the agent wrote one, else {@code rows}. */
    private static int population(PrivacyPlan dp, int rows) {
        long declared = dp.getDeclaredTrainingExamples();
        return declared > 0 ? Math.toIntExact(Math.min(declared, Integer.MAX_VALUE)) : rows;
    }

    /**
     * What training would cost, before it runs: the plan's q and steps, with σ as the accountant
     * will charge it (the lattice sampler's sensitivity for a model of {@code numParameters}).
     */
    static PrivacyCharge planned(DpSgdPlan p, long numParameters) {
        double accountedSigma = p.noiseMultiplier() * p.clipNorm() / accountedSensitivity(p.clipNorm(), numParameters);
        return new PrivacyCharge(Unit.PATIENT, p.samplingRate(), accountedSigma, p.steps());
    }

    /** The L2 sensitivity the lattice sampler of {@link SecureGaussianNoise} is accounted with (no DRBG needed). */
    private static double accountedSensitivity(double clipNorm, long numParameters) {
        return GranularGaussianNoise.effectiveL2Sensitivity(
                clipNorm, numParameters, SecureGaussianNoise.DEFAULT_GRANULARITY_EXPONENT);
    }
}
