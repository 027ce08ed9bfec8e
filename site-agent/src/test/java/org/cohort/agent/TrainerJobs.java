package org.cohort.agent;

import java.util.Random;
import org.cohort.learning.data.TabularDataset;
import org.cohort.learning.dp.DpSgdPlan;
import org.cohort.learning.model.ModelPreset;
import org.cohort.learning.model.Optimizer;
import org.cohort.learning.model.ParameterVectors;
import org.cohort.learning.model.TrainingPlan;

/** Test plumbing: trainer jobs on a small, nearly separable synthetic table. */
final class TrainerJobs {
    static final int FEATURES = 6;
    static final TrainingPlan PLAN = new TrainingPlan(5, 32, Optimizer.SGD, 0.5, 7);

    private TrainerJobs() {}

    static TabularDataset data(int rows, long seed) {
        var random = new Random(seed);
        float[][] x = new float[rows][FEATURES];
        int[] y = new int[rows];
        for (int i = 0; i < rows; i++) {
            double score = 0;
            for (int j = 0; j < FEATURES; j++) {
                x[i][j] = (float) random.nextGaussian();
                score += (j % 2 == 0 ? 1 : -0.5) * x[i][j];
            }
            y[i] = score > 0 ? 1 : 0;
        }
        return new TabularDataset(x, y, 2);
    }

    static String mlp() {
        return ModelPreset.mlp(8).configJson(FEATURES, 2, PLAN);
    }

    static String logistic() {
        return ModelPreset.logisticRegression().configJson(FEATURES, 2, PLAN);
    }

    static Trainer.Job job(String config, TabularDataset train, DpSgdPlan dp) {
        return new Trainer.Job("r-test", config, ParameterVectors.initialParameters(config, 3), train, PLAN, dp);
    }

    static DpSgdPlan dp(int rows) {
        return DpSgdPlan.ofEpochs(1.1, 1.0, 32, rows, 2);
    }
}
