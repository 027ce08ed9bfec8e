package org.cohort.agent;

import java.util.List;
import org.cohort.learning.dp.DpSgdTrainer;
import org.cohort.learning.dp.SecureGaussianNoise;
import org.cohort.learning.model.ModelSpec;
import org.cohort.learning.model.ParameterVectors;
import org.cohort.learning.train.LocalTrainer;

/**
 * The built-in trainer: Deeplearning4j in the agent's own process (nd4j-native on the CPU),
 * DP-SGD with the lattice Gaussian sampler of {@link SecureGaussianNoise}.
 */
public final class Dl4jTrainer implements Trainer {

    @Override
    public String describe() {
        return "dl4j (in process)";
    }

    @Override
    public boolean honoursFrozenLayers() {
        return true;
    }

    @Override
    public Result train(Job job) {
        if (job.module() != null) {
            throw new IllegalArgumentException("the in-process DL4J trainer cannot train a PyTorch module (with or"
                    + " without LoRA adapters): set trainer.kind=external with the PyTorch worker");
        }
        var net = new ModelSpec(job.modelConfigJson()).build();
        ParameterVectors.write(net, job.global());
        double loss;
        PrivacyReport report = null;
        if (job.dp() != null) {
            var r = DpSgdTrainer.train(net, job.train(), job.plan(), job.dp(), SecureGaussianNoise.create());
            loss = r.meanLoss();
            report = new PrivacyReport(r.steps(), r.samplingRate(), r.noiseMultiplier(), r.clipNorm(), r.noise());
        } else {
            loss = LocalTrainer.train(net, job.train(), job.plan()).meanLoss();
        }
        float[] local = ParameterVectors.read(net);
        float[] delta = new float[local.length];
        for (int i = 0; i < local.length; i++) {
            delta[i] = local[i] - job.global()[i];
        }
        List<DenseLayout.Tensor> tensors = DenseLayout.of(job.modelConfigJson())
                .map(DenseLayout::tensors)
                .orElse(List.of(new DenseLayout.Tensor("parameters", List.of((long) local.length))));
        return new Result(delta, tensors, job.train().size(), loss, report);
    }
}
