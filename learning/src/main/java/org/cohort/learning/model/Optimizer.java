package org.cohort.learning.model;

import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;

/** The local optimisers a study may ask sites to use; each maps to one DL4J updater. */
public enum Optimizer {
    /** Plain mini-batch stochastic gradient descent: the optimiser FedAvg is defined with. */
    SGD,
    /** Adam with DL4J's default betas (0.9, 0.999) and epsilon (1e-8). */
    ADAM,
    /** SGD with Nesterov momentum 0.9, the value most FedAvg/FedProx papers report. */
    NESTEROV;

    /** Momentum used by {@link #NESTEROV}; fixed so that a plan names one reproducible optimiser. */
    public static final double NESTEROV_MOMENTUM = 0.9;

    /** The DL4J updater for this optimiser at {@code learningRate}. */
    public IUpdater updater(double learningRate) {
        return switch (this) {
            case SGD -> new Sgd(learningRate);
            case ADAM -> new Adam(learningRate);
            case NESTEROV -> new Nesterovs(learningRate, NESTEROV_MOMENTUM);
        };
    }
}
