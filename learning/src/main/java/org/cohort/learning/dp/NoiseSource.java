package org.cohort.learning.dp;

/**
 * Where DP-SGD's Gaussian noise comes from. Released updates must use {@link SecureGaussianNoise};
 * other implementations exist only for tests.
 */
public interface NoiseSource {

    /** Adds independent N(0, sigma²) noise to every coordinate of {@code target}, in place. */
    void addGaussian(float[] target, double sigma);

    /**
     * The L2 sensitivity the accountant must use when a vector of {@code dimension} coordinates
     * with sensitivity {@code l2Sensitivity} is noised by this source. Exact continuous Gaussians
     * leave it unchanged; a sampler that first snaps values to a grid enlarges it.
     */
    default double accountedSensitivity(double l2Sensitivity, long dimension) {
        return l2Sensitivity;
    }

    /** One line for logs and audit entries: the sampler and its random generator. */
    default String describe() {
        return getClass().getSimpleName();
    }
}
