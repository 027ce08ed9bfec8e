package org.cohort.coordinator.study;

import java.util.ArrayList;
import java.util.List;

/**
 * The checks of a study's {@code model.freeze} (transfer learning), in the words
 * {@link StudySpec#validate()} lists: the layers must exist in the supplied model (an unknown one is
 * named with the layers there are), something must be left to train, the model must come with its
 * trained weights, and the strategy must upload only model deltas.
 */
final class FreezeChecks {
    private FreezeChecks() {}

    static List<String> problems(StudySpec spec) {
        var problems = new ArrayList<String>();
        StudySpec.Model model = spec.model();
        if (model == null || !model.freezes()) {
            return problems;
        }
        if (model.freeze().stream().anyMatch(name -> name == null || name.isBlank())) {
            problems.add(
                    "model.freeze lists layers by name (or index from 0); it holds an empty entry: " + model.freeze());
            return problems;
        }
        if (!model.hasKeras()) {
            problems.add("model.freeze needs a supplied pretrained model (model.keras, whose trained weights the"
                    + " frozen layers keep): the weights of a preset or of model.configuration are drawn at random"
                    + " from model.seed, and freezing random weights for the whole study is almost certainly a"
                    + " mistake; give the Keras file, or leave out model.freeze");
            return problems;
        }
        if ("scaffold".equalsIgnoreCase(spec.strategy())) {
            problems.add("model.freeze cannot be used with strategy 'scaffold': its control variates, and the"
                    + " change of them each site uploads, span every parameter of the model, frozen ones included,"
                    + " so the upload could not shrink to the trainable part; use 'fedavg', 'fedprox' or a server"
                    + " optimiser ('fedadam', 'fedyogi', 'fedadagrad') with frozen layers");
        }
        if (!org.cohort.learning.Dl4jSupport.present()) {
            return problems; // a lean coordinator refuses every model but a module, saying so once
        }
        try {
            LearningBridge.userModel(model);
        } catch (IllegalArgumentException unusable) {
            return problems; // the Keras file itself is refused: ModelChecks says why, once
        }
        try {
            LearningBridge.frozenLayers(model);
        } catch (IllegalArgumentException e) {
            problems.add("model.freeze: " + e.getMessage());
        }
        return problems;
    }
}
