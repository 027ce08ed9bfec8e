package org.cohort.privacy.accounting;

/**
 * Something that spent privacy: the closed set of mechanisms the accountants understand.
 * Events are plain values (no behaviour), so they can be stored in ledgers, written out with
 * {@link EventHistory#toCanonicalJson()} and recomputed later by anyone.
 */
public sealed interface PrivacyEvent permits PrivacyEvent.SampledGaussian, PrivacyEvent.Gaussian {

    /** One-line human wording, e.g. "sampled Gaussian q=0.0025, σ=1.3, 6000 steps". */
    String describe();

    /**
     * {@code steps} rounds of the Gaussian mechanism on a Poisson sample: each record (patient
     * for DP-SGD, site for DP-FedAvg) takes part independently with probability
     * {@code samplingRate}; the summed, clipped contributions get N(0, (σ·C)²) noise with
     * σ = {@code noiseMultiplier} and C the clipping norm.
     */
    record SampledGaussian(double samplingRate, double noiseMultiplier, long steps) implements PrivacyEvent {
        public SampledGaussian {
            if (!(samplingRate >= 0 && samplingRate <= 1)) {
                throw new IllegalArgumentException("samplingRate must be in [0, 1], got " + samplingRate);
            }
            if (!(noiseMultiplier >= 0) || Double.isInfinite(noiseMultiplier)) {
                throw new IllegalArgumentException("noiseMultiplier must be finite and >= 0, got " + noiseMultiplier);
            }
            if (steps < 1) {
                throw new IllegalArgumentException("steps must be >= 1, got " + steps);
            }
        }

        @Override
        public String describe() {
            return "sampled Gaussian q=" + PrivacyNumbers.plain(samplingRate) + ", σ="
                    + PrivacyNumbers.plain(noiseMultiplier) + ", " + steps + (steps == 1 ? " step" : " steps");
        }
    }

    /**
     * {@code count} releases of the Gaussian mechanism without sampling (every record takes
     * part), noise multiplier σ each.
     */
    record Gaussian(double noiseMultiplier, long count) implements PrivacyEvent {
        public Gaussian {
            if (!(noiseMultiplier >= 0) || Double.isInfinite(noiseMultiplier)) {
                throw new IllegalArgumentException("noiseMultiplier must be finite and >= 0, got " + noiseMultiplier);
            }
            if (count < 1) {
                throw new IllegalArgumentException("count must be >= 1, got " + count);
            }
        }

        @Override
        public String describe() {
            return "Gaussian σ=" + PrivacyNumbers.plain(noiseMultiplier) + ", " + count
                    + (count == 1 ? " release" : " releases");
        }
    }
}
