package org.cohort.learning.dp;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Tests only: reproducible Gaussian noise from {@link Random}, which is predictable and so must
 * never noise a released update. Records every call so tests can see what was added.
 */
final class SeededGaussianNoise implements NoiseSource {

    private final Random random;
    final List<Double> sigmas = new ArrayList<>();
    final List<float[]> added = new ArrayList<>();

    SeededGaussianNoise(long seed) {
        this.random = new Random(seed);
    }

    @Override
    public void addGaussian(float[] target, double sigma) {
        float[] noise = new float[target.length];
        for (int i = 0; i < target.length; i++) {
            noise[i] = (float) (sigma * random.nextGaussian());
            target[i] += noise[i];
        }
        sigmas.add(sigma);
        added.add(noise);
    }
}
