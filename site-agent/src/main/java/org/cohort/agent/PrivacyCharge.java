package org.cohort.agent;

import org.cohort.privacy.accounting.PrivacyEvent;
import org.cohort.privacy.accounting.Unit;
import org.cohort.protocol.PrivacyWords;

/**
 * What one round costs in privacy at this site: a sampled Gaussian mechanism composed
 * {@code steps} times, for one unit.
 */
public record PrivacyCharge(Unit unit, double samplingRate, double noiseMultiplier, long steps) {

    public PrivacyEvent event() {
        return new PrivacyEvent.SampledGaussian(samplingRate, noiseMultiplier, steps);
    }

    org.cohort.protocol.v1.PrivacyCharge toProto() {
        return org.cohort.protocol.v1.PrivacyCharge.newBuilder()
                .setUnit(PrivacyWords.wire(unit))
                .setSamplingRate(samplingRate)
                .setNoiseMultiplier(noiseMultiplier)
                .setSteps(steps)
                .build();
    }
}
