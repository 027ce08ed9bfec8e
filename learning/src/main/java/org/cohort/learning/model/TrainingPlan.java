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
 * @param proximalMu FedProx's μ (Li et al. 2020): the local loss gains μ/2·‖w − w_global‖², w_global
 *     being the parameters training starts from, so every step's gradient gains μ·(w − w_global);
 *     finite and at least 0, and 0 (plain local training) unless the study's strategy is fedprox
 * @param controlCorrection SCAFFOLD's c − c_i (Karimireddy et al. 2020), added to every step's
 *     gradient, one value per parameter; null (no correction) unless the study's strategy is scaffold
 * @param frozen the layers that keep the supplied model's values (transfer learning): their gradient is
 *     zeroed before every step and their values restored after it; null when every layer trains
 */
public record TrainingPlan(
        int localEpochs,
        int batchSize,
        Optimizer optimizer,
        double learningRate,
        long seed,
        double proximalMu,
        float[] controlCorrection,
        FrozenLayers frozen) {

    /** A plan without a proximal term (μ = 0). */
    public TrainingPlan(int localEpochs, int batchSize, Optimizer optimizer, double learningRate, long seed) {
        this(localEpochs, batchSize, optimizer, learningRate, seed, 0);
    }

    /** A plan without SCAFFOLD's correction. */
    public TrainingPlan(
            int localEpochs, int batchSize, Optimizer optimizer, double learningRate, long seed, double proximalMu) {
        this(localEpochs, batchSize, optimizer, learningRate, seed, proximalMu, null);
    }

    /** A plan in which every layer trains. */
    public TrainingPlan(
            int localEpochs,
            int batchSize,
            Optimizer optimizer,
            double learningRate,
            long seed,
            double proximalMu,
            float[] controlCorrection) {
        this(localEpochs, batchSize, optimizer, learningRate, seed, proximalMu, controlCorrection, null);
    }

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
        if (!(proximalMu >= 0) || Double.isInfinite(proximalMu)) {
            throw new IllegalArgumentException(
                    "the proximal term mu (FedProx) must be a finite number of at least 0, was " + proximalMu);
        }
        if (controlCorrection != null) {
            for (float v : controlCorrection) {
                if (!Float.isFinite(v)) {
                    throw new IllegalArgumentException("SCAFFOLD's correction c − c_i holds " + v
                            + "; the control variates diverged, start the site's from zero again");
                }
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TrainingPlan p
                && localEpochs == p.localEpochs
                && batchSize == p.batchSize
                && optimizer == p.optimizer
                && Double.compare(learningRate, p.learningRate) == 0
                && seed == p.seed
                && Double.compare(proximalMu, p.proximalMu) == 0
                && java.util.Arrays.equals(controlCorrection, p.controlCorrection)
                && Objects.equals(
                        frozen == null ? null : frozen.frozenLayers(),
                        p.frozen == null ? null : p.frozen.frozenLayers());
    }

    @Override
    public int hashCode() {
        return Objects.hash(localEpochs, batchSize, optimizer, learningRate, seed, proximalMu)
                + 31 * java.util.Arrays.hashCode(controlCorrection)
                + 961 * Objects.hashCode(frozen == null ? null : frozen.frozenLayers());
    }

    @Override
    public String toString() {
        return "TrainingPlan[localEpochs=" + localEpochs + ", batchSize=" + batchSize + ", optimizer=" + optimizer
                + ", learningRate=" + learningRate + ", seed=" + seed + ", proximalMu=" + proximalMu
                + (controlCorrection == null ? "" : ", controlCorrection=" + controlCorrection.length + " values")
                + (frozen == null ? "" : ", frozen=" + frozen.frozenLayers())
                + "]";
    }

    /** The same plan with another seed, e.g. one derived from (study seed, round, site). */
    public TrainingPlan withSeed(long newSeed) {
        return new TrainingPlan(
                localEpochs, batchSize, optimizer, learningRate, newSeed, proximalMu, controlCorrection, frozen);
    }

    /** The same plan with another number of local epochs, e.g. for a centrally trained baseline. */
    public TrainingPlan withLocalEpochs(int epochs) {
        return new TrainingPlan(
                epochs, batchSize, optimizer, learningRate, seed, proximalMu, controlCorrection, frozen);
    }

    /** The same plan with FedProx's proximal term μ. */
    public TrainingPlan withProximalMu(double mu) {
        return new TrainingPlan(localEpochs, batchSize, optimizer, learningRate, seed, mu, controlCorrection, frozen);
    }

    /** The same plan with SCAFFOLD's correction c − c_i (null: none). */
    public TrainingPlan withControlCorrection(float[] correction) {
        return new TrainingPlan(localEpochs, batchSize, optimizer, learningRate, seed, proximalMu, correction, frozen);
    }

    /** The same plan with these layers frozen (null: every layer trains). */
    public TrainingPlan withFrozen(FrozenLayers layers) {
        return new TrainingPlan(
                localEpochs, batchSize, optimizer, learningRate, seed, proximalMu, controlCorrection, layers);
    }

    /**
     * K, the local steps {@link org.cohort.learning.train.LocalTrainer} takes over {@code rows}
     * training rows: every epoch visits each row once in batches of {@link #batchSize}.
     */
    public long localSteps(long rows) {
        return localEpochs * ((rows + batchSize - 1) / batchSize);
    }
}
