package org.cohort.coordinator.study;

import java.util.List;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A study's PyTorch module ({@code model.module}): a file every site holds, named by its SHA-256, trained
 * by the sites' external trainers. The coordinator never loads it: it knows the module by its name, its
 * digest and the length of the vector that travels (the trainable tensors: the LoRA adapters and the
 * modules {@code lora.train} names, or every parameter without {@code lora}), and starts the study from
 * zeros of that length (the offset from the module's start) or from {@code initial}. Checked by
 * {@link ModuleChecks}.
 *
 * @param name       the module's name in each site's module directory (its manifest, {@code modules.json})
 * @param sha256     hex SHA-256 of the module's file (the state dict or TorchScript file): every site's copy
 *                   must have it, so that all train the same base
 * @param trainable  how many values travel (the worker's {@code --layout} prints it); may be left out when
 *                   {@code initial} is given
 * @param lora       low-rank adapters on the named layers (the base frozen), or absent: every parameter trains
 * @param inputShape one example's shape each row is reshaped to, e.g. [3, 32, 32]; default: the dataset's
 *                   image shape, or [inputs] for a table
 * @param initial    the trainable tensors' values to start from (absolute values, in the module's
 *                   {@code named_parameters} order: the worker's {@code --init} prints the module's own); absent:
 *                   the module's start, travelling as offsets from it (zeros at first)
 * @param moduleClass optional: the {@code package.module:ClassName} every site's manifest must name for the
 *                   module; the digest covers the weights file only, so without it two sites could build
 *                   different code around the same weights
 * @param moduleArgs optional, with {@code moduleClass}: the keyword arguments every site's manifest must give
 *                   the class (a JSON object, compared as JSON)
 */
public record ModuleModelSpec(
        String name,
        String sha256,
        Long trainable,
        Lora lora,
        List<Integer> inputShape,
        List<Double> initial,
        String moduleClass,
        tools.jackson.databind.JsonNode moduleArgs) {

    public ModuleModelSpec(
            String name, String sha256, Long trainable, Lora lora, List<Integer> inputShape, List<Double> initial) {
        this(name, sha256, trainable, lora, inputShape, initial, null, null);
    }

    /**
     * @param rank    the adapters' rank, at least 1
     * @param alpha   the scaling numerator (the update is scaled by alpha / rank)
     * @param targets layer names or patterns ({@code layers.*}, {@code block_conv*}) of nn.Linear / nn.Conv2d
     * @param train   modules that train whole next to the adapters (e.g. a new head)
     */
    public record Lora(Integer rank, Double alpha, List<String> targets, List<String> train) {}

    /** How many values travel: {@code trainable}, or the length of {@code initial}. */
    public long trainableCount() {
        return trainable != null ? trainable : initial == null ? 0 : initial.size();
    }

    /** The study's version 1: {@code initial}, or zeros (the module's own start). */
    float[] initialValues() {
        float[] out = new float[Math.toIntExact(trainableCount())];
        if (initial != null) {
            for (int i = 0; i < out.length; i++) {
                out[i] = initial.get(i).floatValue();
            }
        }
        return out;
    }

    /** One example's shape: as given, else the dataset's image shape or its encoded width. */
    List<Long> shape(StudySpec spec) {
        if (inputShape != null && !inputShape.isEmpty()) {
            return inputShape.stream().map(Integer::longValue).toList();
        }
        if (spec.dataset() != null && spec.dataset().images()) {
            var image = spec.dataset().image().withDefaults();
            return List.of((long) image.channels(), (long) image.height(), (long) image.width());
        }
        return List.of(ModelSize.inputs(spec));
    }

    /**
     * What the study stores and signs as its model configuration, and each site reads (the agent's
     * {@code StudyModule}): everything a site needs to find its copy and train it, nothing of any site.
     */
    String configJson(StudySpec spec) {
        var json = JsonMapper.shared();
        ObjectNode module = json.createObjectNode()
                .put("name", name)
                .put("sha256", sha256.toLowerCase(java.util.Locale.ROOT))
                .put("trainable", trainableCount())
                .put("classes", spec.dataset().numClasses())
                .put("seed", spec.model().seed())
                .put("absolute", initial != null);
        var shape = module.putArray("inputShape");
        shape(spec).forEach(shape::add);
        if (moduleClass != null) {
            module.put("moduleClass", moduleClass);
        }
        if (moduleArgs != null) {
            module.set("moduleArgs", moduleArgs);
        }
        if (lora != null) {
            var l = module.putObject("lora").put("rank", lora.rank()).put("alpha", lora.alpha());
            var targets = l.putArray("targets");
            lora.targets().forEach(targets::add);
            var train = l.putArray("train");
            (lora.train() == null ? List.<String>of() : lora.train()).forEach(train::add);
        }
        ObjectNode root = json.createObjectNode();
        root.set(MODULE_KEY, module);
        return root.toString();
    }

    /** The key of a module study's configuration JSON, which no DL4J configuration has. */
    public static final String MODULE_KEY = "cohortModule";
}
