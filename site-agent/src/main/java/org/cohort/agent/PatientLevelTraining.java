package org.cohort.agent;

import org.cohort.learning.data.TabularDataset;
import org.cohort.learning.dp.DpSgdPlan;
import org.cohort.learning.dp.DpSgdResult;
import org.cohort.learning.dp.DpSgdTrainer;
import org.cohort.learning.dp.NoiseSource;
import org.cohort.learning.dp.SecureGaussianNoise;
import org.cohort.learning.model.TrainingPlan;
import org.cohort.protocol.v1.PrivacyPlan;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * Patient-level DP at the site: DP-SGD (Poisson sampling, per-example clipping, lattice Gaussian
 * noise from a DRBG) for the study's local epochs. The charge the site's ledger records and the
 * coordinator's ledger receives is the one the trainer reports, and the one planned before
 * training (for the site's ceiling) is computed the same way, so the two cannot disagree.
 */
final class PatientLevelTraining {
    private PatientLevelTraining() {}

    record Result(double meanLoss, PrivacyCharge charge, boolean vectorised) {}

    /** The DP-SGD plan of this task for a site with {@code rows} training rows. */
    static DpSgdPlan plan(PrivacyPlan dp, TrainingPlan plan, int rows) {
        int expectedBatch = dp.getExpectedBatchSize() > 0 ? dp.getExpectedBatchSize() : plan.batchSize();
        return DpSgdPlan.ofEpochs(dp.getNoiseMultiplier(), dp.getClipNorm(), expectedBatch, rows, plan.localEpochs());
    }

    /**
     * What training would cost, before it runs: the plan's q and steps, with σ as the accountant
     * will charge it (the lattice sampler's sensitivity for a model of {@code numParameters}).
     */
    static PrivacyCharge planned(DpSgdPlan p, long numParameters) {
        NoiseSource noise = SecureGaussianNoise.create();
        double accountedSigma = p.noiseMultiplier() * p.clipNorm() / noise.accountedSensitivity(p.clipNorm(), numParameters);
        return new PrivacyCharge("patient", p.samplingRate(), accountedSigma, p.steps());
    }

    static Result train(MultiLayerNetwork net, TabularDataset train, TrainingPlan plan, PrivacyPlan dp) {
        DpSgdPlan p = plan(dp, plan, train.size());
        DpSgdResult r = DpSgdTrainer.train(net, train, plan, p, SecureGaussianNoise.create());
        return new Result(r.meanLoss(), new PrivacyCharge("patient", r.samplingRate(), r.accountedNoiseMultiplier(),
                r.steps()), r.vectorised());
    }
}
