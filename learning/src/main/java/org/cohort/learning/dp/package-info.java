/**
 * Patient-level differential privacy for a site's local training: DP-SGD with Poisson sampling,
 * per-example clipping and Gaussian noise.
 *
 * <ul>
 *   <li>{@link org.cohort.learning.dp.DpSgdPlan} — σ, C, q and steps: what the accountant charges.</li>
 *   <li>{@link org.cohort.learning.dp.DpSgdTrainer} — trains a network in place and reports
 *       exactly the (q, σ, steps) it used.</li>
 *   <li>{@link org.cohort.learning.dp.NoiseSource} and {@link org.cohort.learning.dp.SecureGaussianNoise}
 *       — where the noise comes from; the secure one is the only one for released updates.</li>
 * </ul>
 */
package org.cohort.learning.dp;
