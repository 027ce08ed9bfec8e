package org.cohort.coordinator.aggregation;

import org.cohort.privacy.noise.GranularGaussianNoise;
import org.cohort.privacy.noise.KeystreamNoiseSource;
import org.cohort.privacy.sitelevel.SiteLevelAccounting;

/**
 * Site-level differentially private FedAvg (McMahan et al. 2018, "Learning differentially
 * private recurrent language models"): every site's update is clipped to L2 norm C at the
 * site and enters the sum with weight 1, so one site changes the sum by at most C; the
 * coordinator adds Gaussian noise of standard deviation z·C to every coordinate of the sum
 * and divides by the number of reports. The noise is sampled on a 2^-k grid with an exact
 * discrete Gaussian (safe against floating-point attacks), so the accounted sensitivity is
 * C + 2^-k·√d (see {@link GranularGaussianNoise}) and each round is charged
 * {@link SiteLevelAccounting#centralNoiseMultiplier}. Used without secure aggregation only: with
 * it the sites add the noise themselves, inside the ring.
 */
public record DpFedAvg(double clipNorm, double noiseMultiplier) implements Strategy {
    /** Grid 2^-24: for a million parameters the sensitivity grows by 6e-5·C at C = 1. */
    public static final int GRANULARITY_EXPONENT = SiteLevelAccounting.CENTRAL_GRANULARITY_EXPONENT;

    public DpFedAvg {
        if (!(clipNorm > 0) || !(noiseMultiplier > 0)) {
            throw new IllegalArgumentException("site-level DP needs a positive clip norm and noise multiplier");
        }
    }

    @Override
    public String name() {
        return "dp-fedavg";
    }

    @Override
    public Step step(long totalWeight, int reports) {
        MeanDelta mean = noisedMean(reports);
        return (InPlaceStep) (global, sum, count, out) -> {
            mean.inPlace(sum, count);
            for (int i = 0; i < count; i++) {
                out[i] = (float) (global[i] + sum[i]);
            }
        };
    }

    /**
     * One round's noised mean of {@code reports} clipped updates, chunk by chunk: every coordinate
     * of the sum gets its own independent draw, then the sum is divided by the number of reports.
     * A server optimiser stepping from it is post-processing and costs no further privacy.
     */
    MeanDelta noisedMean(int reports) {
        if (reports <= 0) {
            throw new IllegalStateException("no contribution to average");
        }
        // One noise source per round; every coordinate gets its own independent draw, chunk by chunk.
        var noise = new GranularGaussianNoise(
                noiseMultiplier * clipNorm, GRANULARITY_EXPONENT, KeystreamNoiseSource.create());
        return (sum, count) -> {
            noise.addNoise(sum, count); // in place: the caller's buffer is ours to overwrite
            for (int i = 0; i < count; i++) {
                sum[i] /= reports;
            }
        };
    }

    /** A round's mean update, chunk by chunk, from the same chunk of the sum. */
    @FunctionalInterface
    interface MeanDelta {
        /** Turns {@code sum[0..count)} into the same chunk of the mean update, in place. */
        void inPlace(double[] sum, int count);
    }

    /** Every site weighs the same: weights would let one site move the sum by more than C. */
    public static long weight() {
        return 1;
    }
}
