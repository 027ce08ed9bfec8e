package org.cohort.learning.model;

/**
 * The local optimisers a study may ask sites to use; {@link Updaters} maps each to one DL4J updater.
 * No DL4J type here: the lean agent and coordinator name optimisers too.
 */
public enum Optimizer {
    /** Plain mini-batch stochastic gradient descent: the optimiser FedAvg is defined with. */
    SGD,
    /** Adam with DL4J's default betas (0.9, 0.999) and epsilon (1e-8). */
    ADAM,
    /** SGD with Nesterov momentum 0.9, the value most FedAvg/FedProx papers report. */
    NESTEROV;

    /** Momentum used by {@link #NESTEROV}; fixed so that a plan names one reproducible optimiser. */
    public static final double NESTEROV_MOMENTUM = 0.9;
}
