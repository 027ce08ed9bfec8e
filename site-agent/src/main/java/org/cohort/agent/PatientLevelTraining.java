package org.cohort.agent;

import org.cohort.learning.data.TabularDataset;
import org.cohort.learning.model.TrainingPlan;
import org.cohort.protocol.v1.PrivacyPlan;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/** Patient-level DP at the site: DP-SGD with Poisson sampling, per-example clipping and Gaussian noise. */
final class PatientLevelTraining {
    private PatientLevelTraining() {}

    record Result(double meanLoss, PrivacyCharge charge) {}

    static Result train(MultiLayerNetwork net, TabularDataset train, TrainingPlan plan, PrivacyPlan dp,
                        PrivacyCharge planned) {
        throw new UnsupportedOperationException("patient-level DP-SGD is not available in this agent build");
    }
}
