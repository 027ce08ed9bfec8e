package org.cohort.learning.dp;

import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.cohort.learning.data.TabularDataset;
import org.cohort.learning.model.ModelPreset;
import org.cohort.learning.model.ModelSpec;
import org.cohort.learning.model.Optimizer;
import org.cohort.learning.model.TrainingPlan;
import org.cohort.learning.train.Fixtures;
import org.cohort.privacy.noise.RandomSource;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/** Data, networks and seeded randomness for the DP-SGD tests. */
final class DpFixtures {

    static final TrainingPlan SGD = new TrainingPlan(1, 32, Optimizer.SGD, 0.2, 11);

    private DpFixtures() {}

    /** Two Gaussian classes in {@code features} dimensions whose means differ along every axis. */
    static TabularDataset blobs(int n, int features, long seed) {
        return Fixtures.blobs(n, features, seed);
    }

    static MultiLayerNetwork network(ModelPreset preset, int inputs, int classes) {
        return new ModelSpec(preset.configJson(inputs, classes, SGD)).newNetwork();
    }

    /** Sampling bits for tests: reproducible, unlike the DRBG the public trainer uses. */
    static RandomGenerator seededSampling(long seed) {
        return new SplittableRandom(seed);
    }

    /** Noise bits for tests of the secure sampler's distribution. */
    static RandomSource seededBits(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        return random::nextLong;
    }
}
