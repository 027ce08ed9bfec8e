package org.cohort.privacy.noise;

import java.util.SplittableRandom;

/**
 * Reproducible bits for statistical tests: with a fixed seed every test draws the same
 * samples, so a statistical test either always passes or always fails — it cannot flake.
 * Never used for released noise.
 */
final class SeededSource implements RandomSource {
    private final SplittableRandom random;

    SeededSource(long seed) {
        this.random = new SplittableRandom(seed);
    }

    @Override
    public long nextLongBits() {
        return random.nextLong();
    }
}
