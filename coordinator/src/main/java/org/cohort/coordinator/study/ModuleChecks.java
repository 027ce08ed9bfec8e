package org.cohort.coordinator.study;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The checks of a study that names a PyTorch module ({@code model.module}, see {@link ModuleModelSpec}),
 * each problem in words naming what to change. The coordinator cannot load the module, so it checks
 * what it can know: a name a site's manifest can hold, a SHA-256, sane LoRA settings, a vector length
 * that is stated (or implied by {@code initial}) and fits, an input shape of the dataset's width, and a
 * plan the external trainer protocol can carry. Each site's agent checks its file against the digest and
 * its worker checks the length against the module.
 */
final class ModuleChecks {
    private ModuleChecks() {}

    /** Same as the worker's --write-module and the agent's manifest. */
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private static final Pattern SHA256 = Pattern.compile("[0-9a-fA-F]{64}");
    /** {@code package.module:ClassName}, as the worker imports it. */
    private static final Pattern MODULE_CLASS =
            Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*");
    /** Above any adapter's useful rank; a larger one is a typo for something else. */
    static final int MAX_RANK = 4096;
    /** Most layer names or patterns per list. */
    static final int MAX_TARGETS = 256;
    /** Most values {@code initial} may list inline (a JSON array of numbers in the REST body). */
    static final int MAX_INITIAL = 1_000_000;

    static List<String> problems(StudySpec spec) {
        var problems = new ArrayList<String>();
        StudySpec.Model model = spec.model();
        ModuleModelSpec m = model.module();
        if (model.preset() != null && !StudySpec.Model.MODULE.equals(model.preset())) {
            problems.add("model.preset and model.module are exclusive: leave out model.preset (or set it to '"
                    + StudySpec.Model.MODULE + "') when the study names a PyTorch module");
        }
        if (model.hidden() != null && !model.hidden().isEmpty()) {
            problems.add("model.hidden applies to the mlp preset only; a module states its own layers");
        }
        if (model.custom()) {
            problems.add("model.module, model.configuration and model.keras are exclusive: name the PyTorch module"
                    + " or give a DL4J configuration or Keras file, not both");
        }
        if (m.name() == null || !NAME.matcher(m.name()).matches()) {
            problems.add("model.module.name must be 1 to 64 letters, digits, '.', '_' or '-' (starting with a letter"
                    + " or digit), the module's name in each site's module directory, got "
                    + (m.name() == null ? "nothing" : "'" + m.name() + "'"));
        }
        if (m.sha256() == null || !SHA256.matcher(m.sha256()).matches()) {
            problems.add("model.module.sha256 must be the module file's SHA-256 in hex (64 characters, e.g. from"
                    + " sha256sum), got " + (m.sha256() == null ? "nothing" : "'" + m.sha256() + "'"));
        }
        if (m.moduleClass() != null && !MODULE_CLASS.matcher(m.moduleClass()).matches()) {
            problems.add("model.module.moduleClass must be 'package.module:ClassName' (as each site's manifest"
                    + " names it), got '" + m.moduleClass() + "'");
        }
        if (m.moduleArgs() != null
                && (m.moduleClass() == null || !m.moduleArgs().isObject())) {
            problems.add("model.module.moduleArgs must be a JSON object of keyword arguments, given with"
                    + " model.module.moduleClass");
        }
        problems.addAll(lengthProblems(m));
        if (m.lora() != null) {
            problems.addAll(loraProblems(m.lora()));
        }
        problems.addAll(datasetProblems(spec, m));
        String strategy = spec.strategy() == null ? "" : spec.strategy().toLowerCase(Locale.ROOT);
        if (strategy.equals("scaffold") || strategy.equals("fedprox")) {
            problems.add("strategy '" + spec.strategy() + "' cannot train a module: the external trainer protocol"
                    + " carries no " + (strategy.equals("scaffold") ? "SCAFFOLD correction" : "proximal term")
                    + "; use fedavg or a server optimiser (fedadam, fedyogi, fedadagrad)");
        }
        return problems;
    }

    private static List<String> lengthProblems(ModuleModelSpec m) {
        var problems = new ArrayList<String>();
        if (m.trainable() == null && m.initial() == null) {
            problems.add("model.module.trainable must state how many values travel (the trainable tensors: the LoRA"
                    + " adapters and the modules lora.train names, or every parameter without lora; the worker's"
                    + " --layout prints it), or give model.module.initial");
            return problems;
        }
        if (m.trainable() != null && m.trainable() < 1) {
            problems.add("model.module.trainable must be at least 1, got " + m.trainable());
        }
        if (m.trainable() != null && m.trainable() > Integer.MAX_VALUE - 8) {
            problems.add("model.module.trainable is above what one vector can hold (" + (Integer.MAX_VALUE - 8)
                    + "); train LoRA adapters instead of the whole module");
        }
        if (m.initial() != null) {
            if (m.initial().size() > MAX_INITIAL) {
                problems.add("model.module.initial may list at most " + MAX_INITIAL + " values inline, got "
                        + m.initial().size() + "; leave it out to start from the module's own values");
            } else if (m.initial().isEmpty()) {
                problems.add("model.module.initial is empty; leave it out to start from the module's own values");
            } else if (m.trainable() != null && m.initial().size() != m.trainable()) {
                problems.add("model.module.initial has " + m.initial().size() + " values, but model.module.trainable"
                        + " states " + m.trainable() + " (one initial value per trainable value)");
            } else if (m.initial().stream().anyMatch(v -> v == null || !Float.isFinite(v.floatValue()))) {
                problems.add("model.module.initial must hold finite numbers (within float32's range) only");
            }
        }
        return problems;
    }

    private static List<String> loraProblems(ModuleModelSpec.Lora lora) {
        var problems = new ArrayList<String>();
        if (lora.rank() == null || lora.rank() < 1 || lora.rank() > MAX_RANK) {
            problems.add("model.module.lora.rank must be between 1 and " + MAX_RANK + ", got " + lora.rank());
        }
        if (lora.alpha() == null || !(lora.alpha() > 0) || !Double.isFinite(lora.alpha())) {
            problems.add("model.module.lora.alpha must be a finite positive number (the adapters' update is scaled"
                    + " by alpha / rank), got " + lora.alpha());
        }
        if (lora.targets() == null || lora.targets().isEmpty()) {
            problems.add("model.module.lora.targets must name the layers that get adapters (names or patterns such as"
                    + " 'layers.*' of nn.Linear or nn.Conv2d layers)");
        } else {
            problems.addAll(names("model.module.lora.targets", lora.targets()));
        }
        if (lora.train() != null) {
            problems.addAll(names("model.module.lora.train", lora.train()));
        }
        return problems;
    }

    private static List<String> names(String field, List<String> names) {
        if (names.size() > MAX_TARGETS) {
            return List.of(field + " may list at most " + MAX_TARGETS + " names, got " + names.size());
        }
        for (String n : names) {
            if (n == null || n.isBlank() || n.length() > 200) {
                return List.of(field + " entries must be layer names or patterns of 1 to 200 characters, got "
                        + (n == null ? "null" : "'" + n + "'"));
            }
        }
        return List.of();
    }

    private static List<String> datasetProblems(StudySpec spec, ModuleModelSpec m) {
        var problems = new ArrayList<String>();
        var dataset = spec.dataset();
        if (dataset == null) {
            return problems;
        }
        if (dataset.survival()) {
            problems.add("a module study is a classification: survival models are DL4J's (give model.configuration"
                    + " or a preset), the module path has no hazard loss yet");
            return problems;
        }
        if (dataset.regression()) {
            problems.add("a module study is a classification: the external trainer predicts class probabilities and"
                    + " has no squared-error output yet; give model.configuration or a preset for a regression");
            return problems;
        }
        if (m.inputShape() != null && m.inputShape().stream().anyMatch(d -> d == null || d < 1)) {
            problems.add("model.module.inputShape must list positive sizes (one example's shape, e.g. [3, 32, 32]),"
                    + " got " + m.inputShape());
            return problems;
        }
        boolean widthKnown = dataset.images()
                ? ImageChecks.problems(dataset).isEmpty()
                : dataset.features() != null
                        && !dataset.features().isEmpty()
                        && dataset.features().stream().allMatch(f -> f != null);
        if (widthKnown && m.inputShape() != null && !m.inputShape().isEmpty()) {
            long values = 1;
            for (int d : m.inputShape()) {
                values = Math.multiplyHigh(values, d) != 0 ? Long.MAX_VALUE : values * d;
            }
            long inputs = dataset.images() ? dataset.image().withDefaults().values() : ModelSize.inputs(spec);
            if (values != inputs) {
                problems.add("model.module.inputShape " + m.inputShape() + " holds " + values + " values, but each"
                        + " row of the dataset has " + inputs
                        + (dataset.images()
                                ? " (channels × height × width)"
                                : " (one per numeric column, one per level of a categorical one)"));
            }
        }
        return problems;
    }
}
