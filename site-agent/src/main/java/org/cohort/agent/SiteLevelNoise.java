package org.cohort.agent;

import org.cohort.privacy.accounting.Unit;
import org.cohort.privacy.noise.RandomSource;
import org.cohort.privacy.sitelevel.DistributedDiscreteGaussian;
import org.cohort.privacy.sitelevel.SiteLevelAccounting;
import org.cohort.protocol.v1.RoundTask;

/**
 * This site's part of site-level DP (DP-FedAvg): what a round costs it, and under secure
 * aggregation its share of the noise, added inside the ring before the masks so that the
 * coordinator never sees a sum without it. The charge is computed with the same functions and
 * inputs as the coordinator's, so both ledgers hold the same σ_eff.
 */
final class SiteLevelNoise {
    private SiteLevelNoise() {}

    static boolean applies(RoundTask task) {
        return task.hasPrivacy() && task.getPrivacy().getMode() == org.cohort.protocol.v1.PrivacyMode.PRIVACY_MODE_SITE;
    }

    /**
     * One round's charge for an update of {@code dimension} values: the distributed discrete
     * Gaussian's σ_eff (fewest survivors, ring rounding) in a secure round, else the central
     * noise's σ_eff on the coordinator's grid. q = 1: the site assumes it is always selected.
     */
    static PrivacyCharge charge(RoundTask task, long dimension) {
        var dp = task.getPrivacy();
        double sigmaEff = task.hasSecagg()
                ? encoding(task, dimension).effectiveNoiseMultiplier()
                : SiteLevelAccounting.centralNoiseMultiplier(dp.getNoiseMultiplier(), dp.getClipNorm(), dimension);
        return new PrivacyCharge(Unit.SITE, 1.0, sigmaEff, 1);
    }

    /** The outcome of a site-level training task, with the charge of the update it actually carries. */
    static LocalLearner.Outcome withCharge(RoundTask task, LocalLearner.Outcome o) {
        return new LocalLearner.Outcome(
                o.delta(),
                o.exampleCount(),
                o.trainLoss(),
                o.trainMillis(),
                o.testExamples(),
                o.testCorrect(),
                o.testLoss(),
                charge(task, o.delta().length));
    }

    /**
     * The encoding of this secure round, derived by the site itself from the study's C and z, the
     * round's sites and threshold (the fewest survivors its SecAgg client lets be unmasked) and the
     * update's length; never from the coordinator's noise figures.
     */
    static DistributedDiscreteGaussian encoding(RoundTask task, long dimension) {
        var dp = task.getPrivacy();
        var plan = task.getSecagg();
        return DistributedDiscreteGaussian.plan(
                dp.getClipNorm(), dp.getNoiseMultiplier(), plan.getSitesByIndexCount(), plan.getThreshold(), dimension);
    }

    /**
     * This site's noised ring input: the update clipped to C, rounded onto the ring's grid and
     * noised with this site's share. Refuses when the coordinator's scale differs from the
     * site's own: the sum would be decoded wrongly, or the coordinator expects other terms.
     */
    static int[] ringInput(RoundTask task, float[] delta, RandomSource random) {
        var encoding = encoding(task, delta.length);
        if (task.getSecagg().getScale() != encoding.scale()) {
            throw new IllegalStateException(
                    "the coordinator's ring scale " + task.getSecagg().getScale()
                            + " differs from this site's own for the study's terms (" + encoding.scale() + ", "
                            + encoding.describe() + "); nothing was sent");
        }
        double[] values = new double[delta.length];
        for (int i = 0; i < delta.length; i++) {
            values[i] = delta[i];
        }
        return encoding.encode(values, random);
    }
}
