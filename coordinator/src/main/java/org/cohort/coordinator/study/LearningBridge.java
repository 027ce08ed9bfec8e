package org.cohort.coordinator.study;

import java.util.List;
import org.cohort.learning.model.FrozenLayers;
import org.cohort.learning.model.ModelPreset;
import org.cohort.learning.model.ModelSpec;
import org.cohort.learning.model.Optimizer;
import org.cohort.learning.model.ParameterVectors;
import org.cohort.learning.model.TrainingPlan;

/** The only place the coordinator touches Deeplearning4j: configurations, initial parameters, frozen-layer positions. */
final class LearningBridge {
    private LearningBridge() {}

    /** Binary outcomes (label above a threshold) have two classes. */
    static final int NUM_CLASSES = 2;
    /** Width of the hidden layer of an MLP whose spec names none. */
    static final int DEFAULT_MLP_WIDTH = 32;

    /** A study's own configuration, checked (see {@link ModelSpec}); throws IllegalArgumentException in words. */
    static ModelSpec userModel(String configJson) {
        return new ModelSpec(configJson);
    }

    /** The study's own model, from its configuration or its Keras file; IllegalArgumentException in words. */
    static ModelSpec userModel(StudySpec.Model model) {
        return model.hasKeras() ? KerasFiles.imported(model.kerasBytes()).spec() : userModel(model.configurationJson());
    }

    /**
     * The frozen layers {@code freeze} of the model in {@code configJson} resolved to flat-vector
     * positions, as the sites resolve them; IllegalArgumentException in words naming the model's layers.
     */
    static FrozenLayers frozenLayers(String configJson, List<String> freeze) {
        return FrozenLayers.resolve(userModel(configJson), freeze);
    }

    /** As above on a study's own model (its Keras file or configuration), when the study is being checked. */
    static FrozenLayers frozenLayers(StudySpec.Model model) {
        return FrozenLayers.resolve(userModel(model), model.freeze());
    }

    static String configJson(StudySpec spec, int numInputs) {
        if (spec.model().custom()) {
            // Called once the model's size is known to fit the coordinator's limits: one probing pass, then
            // DL4J's own JSON of what was checked is what the study stores and the sites build.
            ModelSpec user = userModel(spec.model());
            try {
                user.probe();
            } catch (IllegalArgumentException e) {
                throw new InvalidStudyException(List.of(ModelChecks.field(spec.model()) + ": " + e.getMessage()));
            }
            return user.normalisedJson();
        }
        ModelPreset preset = switch (spec.model().preset()) {
            case "mlp" ->
                ModelPreset.mlp(
                        spec.model().hidden().isEmpty()
                                ? new int[] {DEFAULT_MLP_WIDTH}
                                : spec.model().hidden().stream()
                                        .mapToInt(Integer::intValue)
                                        .toArray());
            default -> ModelPreset.logisticRegression();
        };
        var p = spec.plan();
        var plan = new TrainingPlan(
                p.localEpochs(),
                p.batchSize(),
                optimizer(p.optimizer()),
                p.learningRate(),
                spec.model().seed());
        if (spec.dataset() != null && spec.dataset().regression()) {
            return preset.regressionConfigJson(numInputs, plan);
        }
        return spec.dataset() != null && spec.dataset().survival()
                ? preset.survivalConfigJson(numInputs, spec.dataset().modelOutputs(), plan)
                : preset.configJson(numInputs, spec.dataset().numClasses(), plan);
    }

    static float[] initialParameters(String configJson, long seed) {
        return ParameterVectors.initialParameters(configJson, seed);
    }

    /** A Keras study's initial parameters are the file's weights; others are drawn with {@code model.seed}. */
    static float[] initialParameters(StudySpec spec, String configJson) {
        return spec.model().hasKeras()
                ? KerasFiles.imported(spec.model().kerasBytes()).parameters()
                : initialParameters(configJson, spec.model().seed());
    }

    static Optimizer optimizer(String name) {
        try {
            return Optimizer.valueOf(name.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidStudyException(java.util.List.of("plan.optimizer must be one of "
                    + java.util.Arrays.toString(Optimizer.values()) + ", got '" + name + "'"));
        }
    }
}
