package org.cohort.simulation;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.cohort.agent.PyTorchWorker;
import org.cohort.protocol.trainer.v1.LoraAdapters;
import org.cohort.protocol.trainer.v1.ModuleModel;

/**
 * A study that names a PyTorch module with LoRA adapters of rank 2 (alpha 4) on {@code layers.*} and the
 * {@code head} trained whole, over the reference worker's {@code cohort_models:Mlp}: the module file the
 * sites hold, the length of the vector that travels, and the spec entries of such a study under
 * patient-level DP-SGD with secure aggregation.
 */
final class ModuleStudies {
    private ModuleStudies() {}

    static final String MODULE_CLASS = "cohort_models:Mlp";

    /** The Mlp's constructor arguments for {@code inputs} features, one hidden layer of 8, two classes. */
    static String mlpArgs(int inputs) {
        return "{\"inputs\": " + inputs + ", \"hidden\": [8], \"classes\": 2}";
    }

    /** Writes module {@code name} (seeded weights) to {@code modules}; the worker's JSON answer. */
    static String write(List<String> worker, Path modules, String name, String args, int seed) {
        return PyTorchWorker.tool(
                worker,
                List.of(
                        "--write-module",
                        modules.toString(),
                        "--name",
                        name,
                        "--module-class",
                        MODULE_CLASS,
                        "--model-args",
                        args,
                        "--seed",
                        String.valueOf(seed)));
    }

    /** How many values travel for the module in {@code modules} with this class's adapters. */
    static long trainable(List<String> worker, Path modules, String name, String args, String sha256, int inputs) {
        return PyTorchWorker.exchangedValues(
                worker,
                ModuleModel.newBuilder()
                        .setModuleClass(MODULE_CLASS)
                        .setModuleArgsJson(args)
                        .setStateDict(modules.resolve(name + ".safetensors").toString())
                        .setSha256(sha256)
                        .addInputShape(inputs)
                        .setLora(LoraAdapters.newBuilder()
                                .setRank(2)
                                .setAlpha(4)
                                .addTargets("layers.*")
                                .addTrain("head")
                                .build())
                        .build());
    }

    /** The spec entries of a study of that module: patient-level DP (budget ε), SecAgg, one SGD epoch a round. */
    static Map<String, Object> spec(String name, String sha256, long trainable, double budget) {
        var extra = new HashMap<String, Object>(PrivacyIntegrationTest.patientDp(budget));
        extra.putAll(SecureAggregationIntegrationTest.SECURE);
        extra.put(
                "model",
                Map.of(
                        "module",
                        Map.of(
                                "name",
                                name,
                                "sha256",
                                sha256,
                                "trainable",
                                trainable,
                                "lora",
                                Map.of(
                                        "rank",
                                        2,
                                        "alpha",
                                        4,
                                        "targets",
                                        List.of("layers.*"),
                                        "train",
                                        List.of("head")))));
        extra.put("plan", Map.of("localEpochs", 1, "batchSize", 32, "optimizer", "sgd", "learningRate", 0.5));
        return extra;
    }

    /** Agent {@code i} of {@code fed}, training through {@code worker} with the modules in {@code modules}. */
    static org.cohort.agent.SiteAgent startAgent(
            TestFederation fed, int i, String studyId, List<String> worker, Path modules) throws Exception {
        Path data = fed.data.sites().get(i).dataFile();
        var trainer = new org.cohort.agent.ExternalTrainer(
                worker, fed.agentWorkDir(i).resolve("trainer"), java.time.Duration.ofMinutes(2));
        return fed.startAgent(
                i,
                studyId,
                new org.cohort.agent.Dl4jLearner(
                        data,
                        org.cohort.learning.data.SplitKey.of(org.cohort.agent.Dl4jLearner.fixedSplitSecret(data)),
                        trainer,
                        new org.cohort.agent.SiteModules(modules)));
    }
}
