package org.cohort.agent;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.cohort.protocol.trainer.v1.LoraAdapters;
import org.cohort.protocol.trainer.v1.ModuleModel;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A module study's model as the coordinator signs it: the configuration JSON {@code {"cohortModule":
 * {...}}} that stands where a DL4J configuration would (written by the coordinator's
 * {@code ModuleModelSpec}). It names the module and its digest, the length of the vector that travels,
 * the LoRA settings and one example's shape; nothing of any site. The site's own copy is found by
 * {@link SiteModules}.
 *
 * @param absolute whether the vector holds the trainable values themselves (the study gave its own
 *     initial values) rather than their offset from the module's start
 * @param moduleClass the class the site's manifest must name, or null where the study pins none
 * @param moduleArgs the keyword arguments the site's manifest must give it, or null where the study pins none
 */
record StudyModule(
        String name,
        String sha256,
        long trainable,
        int classes,
        long seed,
        boolean absolute,
        List<Long> inputShape,
        LoraAdapters lora,
        String moduleClass,
        JsonNode moduleArgs) {

    StudyModule(
            String name,
            String sha256,
            long trainable,
            int classes,
            long seed,
            boolean absolute,
            List<Long> inputShape,
            LoraAdapters lora) {
        this(name, sha256, trainable, classes, seed, absolute, inputShape, lora, null, null);
    }

    static final String KEY = "cohortModule";

    /**
     * The module {@code modelConfigJson} names, or empty for a DL4J configuration; IllegalArgumentException
     * for a module description this agent cannot read.
     */
    static Optional<StudyModule> parse(String modelConfigJson) {
        if (modelConfigJson == null || !modelConfigJson.contains(KEY)) {
            return Optional.empty();
        }
        JsonNode root;
        try {
            root = JsonMapper.shared().readTree(modelConfigJson);
        } catch (JacksonException e) {
            return Optional.empty(); // not JSON at all: not ours to read (the DL4J path says what is wrong)
        }
        JsonNode m = root.get(KEY);
        if (m == null || !m.isObject()) {
            return Optional.empty();
        }
        for (String field : List.of("name", "sha256", "trainable", "classes", "inputShape")) {
            if (!m.hasNonNull(field)) {
                throw new IllegalArgumentException("the study's module description has no '" + field + "'");
            }
        }
        var shape = new ArrayList<Long>();
        m.get("inputShape").forEach(d -> shape.add(d.asLong()));
        LoraAdapters lora = null;
        if (m.hasNonNull("lora")) {
            JsonNode l = m.get("lora");
            var b = LoraAdapters.newBuilder()
                    .setRank(l.get("rank").asInt())
                    .setAlpha(l.get("alpha").asDouble());
            l.path("targets").forEach(t -> b.addTargets(t.asString()));
            l.path("train").forEach(t -> b.addTrain(t.asString()));
            lora = b.build();
        }
        return Optional.of(new StudyModule(
                m.get("name").asString(),
                m.get("sha256").asString(),
                m.get("trainable").asLong(),
                m.get("classes").asInt(),
                m.path("seed").asLong(0),
                m.path("absolute").asBoolean(false),
                List.copyOf(shape),
                lora,
                m.hasNonNull("moduleClass") ? m.get("moduleClass").asString() : null,
                m.hasNonNull("moduleArgs") ? m.get("moduleArgs") : null));
    }

    /** Values in one example: the product of {@link #inputShape}. */
    long inputValues() {
        long n = 1;
        for (long d : inputShape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** The worker's job description: this study's terms with the site's own files ({@code local}: paths, class). */
    ModuleModel toProto(ModuleModel local) {
        var b = local.toBuilder()
                .setSha256(sha256)
                .clearInputShape()
                .addAllInputShape(inputShape)
                .setSeed(seed)
                .setAbsolute(absolute);
        if (lora != null) {
            b.setLora(lora);
        } else {
            b.clearLora();
        }
        return b.build();
    }
}
