package org.cohort.privacy.sitelevel;

import org.cohort.privacy.noise.GranularGaussianNoise;

/**
 * What one site-level DP round (DP-FedAvg, add/remove one site's clipped update) is charged: the
 * noise multiplier of a Gaussian event, σ_eff = (noise std of the released sum) / (effective
 * sensitivity). The coordinator's ledger and each site's own ledger compute it with these
 * functions from the same inputs, so the two records agree to the last bit.
 *
 * <ul>
 *   <li>Central noise (no secure aggregation): the coordinator adds z·C on a 2^-24 grid
 *       ({@link GranularGaussianNoise}); snapping the sum to the grid grows the sensitivity to
 *       C + 2^-24·√d, so σ_eff = z·C / (C + 2^-24·√d) — 16% below z at C = 10^-3, d = 10^7.</li>
 *   <li>Distributed noise (secure aggregation): {@link DistributedDiscreteGaussian#effectiveNoiseMultiplier}.</li>
 * </ul>
 */
public final class SiteLevelAccounting {
    /** Grid 2^-24 of the coordinator's central noise: for a million parameters C grows by 6e-5 at C = 1. */
    public static final int CENTRAL_GRANULARITY_EXPONENT = 24;

    private SiteLevelAccounting() {}

    /** σ_eff of a round noised centrally with z·C: z·C / (C + 2^-24·√d). */
    public static double centralNoiseMultiplier(double noiseMultiplier, double clipNorm, long dimension) {
        if (!(noiseMultiplier > 0) || !(clipNorm > 0) || dimension < 1) {
            throw new IllegalArgumentException("need a positive noise multiplier, clip norm and dimension, got z="
                    + noiseMultiplier + ", C=" + clipNorm + ", d=" + dimension);
        }
        return noiseMultiplier
                * clipNorm
                / GranularGaussianNoise.effectiveL2Sensitivity(clipNorm, dimension, CENTRAL_GRANULARITY_EXPONENT);
    }
}
