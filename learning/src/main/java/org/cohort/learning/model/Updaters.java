package org.cohort.learning.model;

import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;

/** The DL4J updater of each {@link Optimizer}. */
public final class Updaters {
    private Updaters() {}

    /** The DL4J updater for {@code optimizer} at {@code learningRate}. */
    public static IUpdater of(Optimizer optimizer, double learningRate) {
        return switch (optimizer) {
            case SGD -> new Sgd(learningRate);
            case ADAM -> new Adam(learningRate);
            case NESTEROV -> new Nesterovs(learningRate, Optimizer.NESTEROV_MOMENTUM);
        };
    }
}
