package org.cohort.coordinator.study;

import java.util.ArrayList;
import java.util.List;
import org.cohort.learning.dp.DpSgdTrainer;
import org.cohort.learning.model.ModelSpec;

/**
 * The checks of a study that carries its own DL4J configuration ({@code model.configuration}),
 * each problem in words naming what to change: the JSON parses and names only supported layer
 * types ({@link ModelSpec}), reads as many inputs as the dataset's columns encode to, predicts the
 * label's classes, and, under patient-level DP, has nothing DP-SGD cannot bound per example. Its
 * size is checked against the coordinator's limits by {@link ModelSize}; one probing pass, once it
 * is known to fit, by {@link LearningBridge#configJson}.
 */
final class ModelChecks {
    private ModelChecks() {}

    static List<String> problems(StudySpec spec) {
        var problems = new ArrayList<String>();
        StudySpec.Model model = spec.model();
        if (model.preset() != null && !StudySpec.Model.CUSTOM.equals(model.preset())) {
            problems.add("model.preset and model.configuration are exclusive: leave out model.preset (or set it to '"
                    + StudySpec.Model.CUSTOM + "') when the study gives its own configuration");
        }
        String field = field(model);
        if (model.hidden() != null && !model.hidden().isEmpty()) {
            problems.add("model.hidden applies to the mlp preset only; a " + field + " states its own layers");
        }
        if (model.hasKeras() && model.hasConfiguration()) {
            problems.add("model.keras and model.configuration are exclusive: give the Keras file or the DL4J"
                    + " configuration, not both");
            return problems;
        }
        if (model.hasConfiguration()
                && !model.configuration().isObject()
                && !model.configuration().isString()) {
            problems.add("model.configuration must be a DL4J model configuration: the JSON object DL4J's toJson()"
                    + " writes, or a string holding it");
            return problems;
        }
        ModelSpec user;
        try {
            user = LearningBridge.userModel(model);
        } catch (IllegalArgumentException e) {
            problems.add(field + ": " + e.getMessage());
            return problems;
        }
        var dataset = spec.dataset();
        if (dataset != null && dataset.images()) {
            if (ImageChecks.problems(dataset).isEmpty()) {
                var image = dataset.image().withDefaults();
                if (user.numInputs() != image.values()) {
                    problems.add(field + " takes " + user.numInputs() + " inputs, but dataset.image is "
                            + image.channels() + " × " + image.height() + " × " + image.width() + " = "
                            + image.values() + " values (channels × height × width; e.g."
                            + " InputType.convolutionalFlat(" + image.height() + ", " + image.width() + ", "
                            + image.channels() + "))");
                }
                if (user.numClasses() != dataset.numClasses()) {
                    problems.add(field + " predicts " + user.numClasses() + " classes, but dataset.image" + " declares "
                            + dataset.numClasses() + " " + image.classes());
                }
            }
        } else {
            if (dataset != null
                    && dataset.features() != null
                    && !dataset.features().isEmpty()
                    && dataset.features().stream().allMatch(f -> f != null)) {
                long inputs = ModelSize.inputs(spec);
                if (user.numInputs() != inputs) {
                    problems.add(field + " takes " + user.numInputs()
                            + " inputs, but dataset.features encode to " + inputs
                            + " (one per numeric column, one per level of a categorical one)");
                }
            }
        }
        boolean survival = spec.dataset() != null && spec.dataset().survival();
        boolean regression = spec.dataset() != null && spec.dataset().regression();
        if (regression != user.predictsValue()) {
            problems.add(
                    regression
                            ? field + " does not predict one value, but a regression study's model does: end with an"
                                    + " OutputLayer of one output, identity activation and MSE loss"
                            : field + " predicts one value (a regression model), but the study is not a regression;"
                                    + " set dataset.task to regression with dataset.labelRange");
        } else if (regression) {
            // One identity output with MSE: nothing more to match.
        } else if (survival != user.predictsHazards()) {
            problems.add(
                    survival
                            ? field + " predicts class probabilities, but a survival study's model predicts one"
                                    + " hazard per interval: end with an OutputLayer of sigmoid activation and XENT loss"
                            : field + " predicts sigmoid hazards (a survival model), but the study is a"
                                    + " classification; end with softmax and MCXENT, or set dataset.task to survival");
        } else if (survival) {
            if (spec.dataset().cutPoints() != null
                    && user.numClasses() != spec.dataset().modelOutputs()) {
                problems.add(field + " predicts " + user.numClasses() + " hazards, but dataset.cutPoints" + " make "
                        + spec.dataset().modelOutputs() + " intervals (one output per interval)");
            }
        } else if ((spec.dataset() == null || !spec.dataset().images())
                && user.numClasses() != LearningBridge.NUM_CLASSES) {
            problems.add(field + " predicts " + user.numClasses() + " classes, but the study's label is" + " binary ("
                    + LearningBridge.NUM_CLASSES + " classes: label above dataset.positiveAbove or not)");
        }
        if (spec.privacy() != null && spec.privacy().patientLevel()) {
            DpSgdTrainer.dpProblem(user.layers())
                    .ifPresent(p -> problems.add(field + " cannot train under patient-level DP: " + p));
        }
        return problems;
    }

    /** The spec field that holds the study's own model, for messages. */
    static String field(StudySpec.Model model) {
        return model.hasKeras() ? "model.keras" : "model.configuration";
    }
}
