package org.cohort.learning.model;

import java.util.Objects;

/**
 * How a site trains in one round: the part of a study's plan that local training needs.
 *
 * @param localEpochs passes over the site's training split per round, at least 1
 * @param batchSize examples per mini-batch, at least 1 (the last batch of an epoch may be smaller)
 * @param optimizer the local optimiser
 * @param learningRate step size of the local optimiser, finite and positive
 * @param seed drives weight initialisation and the shuffling of mini-batches, so a round can be
 *     replayed exactly; vary it per round and site (see {@link #withSeed}) to avoid every round
 *     visiting the examples in the same order
 */
public record TrainingPlan(int localEpochs, int batchSize, Optimizer optimizer, double learningRate, long seed) {

    public TrainingPlan {
        if (localEpochs < 1) {
            throw new IllegalArgumentException("localEpochs must be at least 1, was " + localEpochs);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, was " + batchSize);
        }
        Objects.requireNonNull(optimizer, "optimizer: choose SGD, ADAM or NESTEROV");
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException(
                    "learningRate must be a finite number above 0 (typical: 0.01 to 0.5 for SGD, 0.001 to 0.01 for"
                            + " Adam), was " + learningRate);
        }
    }

    /** The same plan with another seed, e.g. one derived from (study seed, round, site). */
    public TrainingPlan withSeed(long newSeed) {
        return new TrainingPlan(localEpochs, batchSize, optimizer, learningRate, newSeed);
    }

    /** The same plan with another number of local epochs, e.g. for a centrally trained baseline. */
    public TrainingPlan withLocalEpochs(int epochs) {
        return new TrainingPlan(epochs, batchSize, optimizer, learningRate, seed);
    }
}
