package org.cohort.simulation;

import java.util.Map;
import org.cohort.learning.model.Optimizer;
import org.cohort.learning.model.TrainingPlan;

/** The local training plan of the demo (and of the baselines, which must train the same way). */
final class DemoPlan {
    private DemoPlan() {}

    static final int LOCAL_EPOCHS = 5;
    static final int BATCH_SIZE = 32;
    static final String OPTIMIZER = "sgd";
    static final double LEARNING_RATE = 0.2;
    static final long SEED = 7;

    static Map<String, Object> planJson() {
        return Map.of("localEpochs", LOCAL_EPOCHS, "batchSize", BATCH_SIZE, "optimizer", OPTIMIZER,
                "learningRate", LEARNING_RATE, "seed", SEED);
    }

    static TrainingPlan plan(int epochs) {
        return new TrainingPlan(epochs, BATCH_SIZE, Optimizer.valueOf(OPTIMIZER.toUpperCase()), LEARNING_RATE, SEED);
    }
}
