package org.cohort.agent;

import org.cohort.privacy.accounting.PrivacyEvent;

/**
 * What one round costs in privacy at this site: a sampled Gaussian mechanism composed
 * {@code steps} times, for one unit ("patient" or "site").
 */
public record PrivacyCharge(String unit, double samplingRate, double noiseMultiplier, long steps) {

    public PrivacyEvent event() {
        return new PrivacyEvent.SampledGaussian(samplingRate, noiseMultiplier, steps);
    }

    org.cohort.protocol.v1.PrivacyCharge toProto() {
        return org.cohort.protocol.v1.PrivacyCharge.newBuilder()
                .setUnit(unit)
                .setSamplingRate(samplingRate)
                .setNoiseMultiplier(noiseMultiplier)
                .setSteps(steps)
                .build();
    }
}
