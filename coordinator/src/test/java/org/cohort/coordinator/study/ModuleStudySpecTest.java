package org.cohort.coordinator.study;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * A study that names a PyTorch module ({@code model.module}): what the coordinator checks without loading
 * it, the length it starts from, and the description it signs for the sites.
 */
class ModuleStudySpecTest {
    static final String SHA = "ab".repeat(32);

    private static StudySpec spec(ModuleModelSpec module, int features, String strategy) {
        return spec(new StudySpec.Model(null, null, 5L, null, null, module), features, strategy);
    }

    private static StudySpec spec(StudySpec.Model model, int features, String strategy) {
        var columns = new ArrayList<StudySpec.Feature>();
        for (int i = 0; i < features; i++) {
            columns.add(new StudySpec.Feature("x" + i, 0.0, 1.0, null));
        }
        return new StudySpec(
                null,
                model,
                null,
                new StudySpec.Dataset("csv", columns, "outcome", null, null, null),
                3,
                2,
                null,
                null,
                strategy,
                null,
                null,
                null);
    }

    private static ModuleModelSpec.Lora lora() {
        return new ModuleModelSpec.Lora(2, 4.0, List.of("layers.*"), List.of("head"));
    }

    private static ModuleModelSpec module(String name, String sha, Long trainable, List<Double> initial) {
        return new ModuleModelSpec(name, sha, trainable, lora(), null, initial);
    }

    @Test
    void aModuleStudyStartsFromZerosOfTheStatedLengthAndSignsItsDescription() {
        var spec = spec(module("heart-mlp", SHA.toUpperCase(), 180L, null), 13, null)
                .validate()
                .withDefaults();
        assertThat(spec.model().preset()).isEqualTo(StudySpec.Model.MODULE);
        assertThat(ModelSize.of(spec, Long.MAX_VALUE).parameters()).isEqualTo(180);
        var factory = new Dl4jModelFactory();
        String config = factory.configJson(spec);
        assertThat(factory.initialParameters(spec, config)).hasSize(180).containsOnly(0f);
        var m = JsonMapper.shared().readTree(config).get(ModuleModelSpec.MODULE_KEY);
        assertThat(m.get("name").asString()).isEqualTo("heart-mlp");
        assertThat(m.get("sha256").asString()).isEqualTo(SHA); // lower case, as sha256sum writes it
        assertThat(m.get("trainable").asLong()).isEqualTo(180);
        assertThat(m.get("inputShape").toString()).isEqualTo("[13]");
        assertThat(m.get("classes").asInt()).isEqualTo(2);
        assertThat(m.get("seed").asLong()).isEqualTo(5);
        assertThat(m.get("absolute").asBoolean()).isFalse();
        assertThat(m.get("lora").toString())
                .isEqualTo("{\"rank\":2,\"alpha\":4.0,\"targets\":[\"layers.*\"],\"train\":[\"head\"]}");
    }

    @Test
    void aModuleStudyWithInitialValuesStartsFromThemAsAbsoluteValues() {
        var initial = List.of(0.5, -1.0, 2.0);
        var spec = spec(module("m", SHA, null, initial), 4, null).validate().withDefaults();
        var factory = new Dl4jModelFactory();
        String config = factory.configJson(spec);
        assertThat(factory.initialParameters(spec, config)).containsExactly(0.5f, -1f, 2f);
        assertThat(JsonMapper.shared()
                        .readTree(config)
                        .get(ModuleModelSpec.MODULE_KEY)
                        .get("absolute")
                        .asBoolean())
                .isTrue();
    }

    @Test
    void theRestBodyReadsIntoAModuleSpec() {
        String body =
                "{\"model\": {\"module\": {\"name\": \"heart-mlp\", \"sha256\": \"" + SHA + "\", \"trainable\": 180,"
                        + " \"lora\": {\"rank\": 2, \"alpha\": 4, \"targets\": [\"layers.*\"], \"train\": [\"head\"]}}}}";
        var spec = JsonMapper.shared().readValue(body, StudySpec.class);
        assertThat(spec.model().module()).isEqualTo(new ModuleModelSpec("heart-mlp", SHA, 180L, lora(), null, null));
    }

    @Test
    void theReadmesModuleStudyOfTheComposeTableIsValid() throws Exception {
        // README, "A study that names a module": deploy/compose/study.json with its model replaced (jq).
        var json = JsonMapper.shared();
        var study = (tools.jackson.databind.node.ObjectNode) json.readTree(
                java.nio.file.Files.readString(java.nio.file.Path.of("..", "deploy", "compose", "study.json")));
        study.set(
                "model",
                json.readTree("{\"module\": {\"name\": \"heart-mlp\", \"sha256\":"
                        + " \"0c8768d483fd6b19209b00e944ea283a4f40e4eb78ebcf7df297a611c1f604dd\", \"trainable\": 158,"
                        + " \"lora\": {\"rank\": 4, \"alpha\": 8, \"targets\": [\"layers.*\"], \"train\":"
                        + " [\"head\"]}}, \"seed\": 42}"));
        var spec = json.treeToValue(study, StudySpec.class).validate().withDefaults();
        assertThat(ModelSize.of(spec, Long.MAX_VALUE).parameters()).isEqualTo(158);
        assertThat(spec.model().module().shape(spec)).containsExactly(15L);
    }

    @Test
    void aDigestThatIsNotSha256IsRefused() {
        assertThat(StudySpecTest.problems(spec(module("m", "abc", 10L, null), 4, null)))
                .singleElement()
                .asString()
                .contains("model.module.sha256 must be the module file's SHA-256 in hex (64 characters");
    }

    @Test
    void aNameThatCouldBeAPathIsRefused() {
        assertThat(StudySpecTest.problems(spec(module("../etc/passwd", SHA, 10L, null), 4, null)))
                .singleElement()
                .asString()
                .contains("model.module.name must be 1 to 64 letters");
    }

    @Test
    void aModuleWithoutATrainableCountOrInitialValuesIsRefusedSayingHowToFindIt() {
        assertThat(StudySpecTest.problems(spec(module("m", SHA, null, null), 4, null)))
                .singleElement()
                .asString()
                .contains("model.module.trainable must state how many values travel")
                .contains("--layout");
    }

    @Test
    void initialValuesOfAnotherLengthThanTheTrainableCountAreRefused() {
        assertThat(StudySpecTest.problems(spec(module("m", SHA, 4L, List.of(1.0, 2.0)), 4, null)))
                .singleElement()
                .asString()
                .contains("model.module.initial has 2 values, but model.module.trainable states 4");
    }

    @Test
    void nonFiniteInitialValuesAreRefused() {
        assertThat(StudySpecTest.problems(spec(module("m", SHA, null, List.of(1.0, Double.NaN)), 4, null)))
                .singleElement()
                .asString()
                .contains("finite numbers");
    }

    @Test
    void insaneLoraSettingsAreRefusedEachInWords() {
        var bad = new ModuleModelSpec("m", SHA, 10L, new ModuleModelSpec.Lora(0, -1.0, List.of(), null), null, null);
        assertThat(StudySpecTest.problems(spec(bad, 4, null)))
                .anySatisfy(p -> assertThat(p).contains("model.module.lora.rank must be between 1 and"))
                .anySatisfy(p -> assertThat(p).contains("model.module.lora.alpha must be a finite positive number"))
                .anySatisfy(p -> assertThat(p).contains("model.module.lora.targets must name the layers"));
        var blank = new ModuleModelSpec(
                "m", SHA, 10L, new ModuleModelSpec.Lora(2, 4.0, Collections.singletonList(" "), null), null, null);
        assertThat(StudySpecTest.problems(spec(blank, 4, null)))
                .singleElement()
                .asString()
                .contains("model.module.lora.targets entries must be layer names or patterns");
    }

    @Test
    void aPinnedClassMustBeImportableByNameAndItsArgumentsAnObject() {
        var json = tools.jackson.databind.json.JsonMapper.shared();
        var good = new ModuleModelSpec(
                "m", SHA, 10L, lora(), null, null, "cohort_models:Mlp", json.readTree("{\"inputs\": 4}"));
        assertThat(StudySpecTest.problems(spec(good, 4, null))).isEmpty();
        assertThat(good.configJson(spec(good, 4, null).withDefaults()))
                .contains("\"moduleClass\":\"cohort_models:Mlp\"", "\"moduleArgs\":{\"inputs\":4}");
        var path = new ModuleModelSpec("m", SHA, 10L, lora(), null, null, "../evil.py", null);
        assertThat(StudySpecTest.problems(spec(path, 4, null)))
                .singleElement()
                .asString()
                .contains("model.module.moduleClass must be 'package.module:ClassName'");
        var list = new ModuleModelSpec("m", SHA, 10L, lora(), null, null, "cohort_models:Mlp", json.readTree("[4]"));
        assertThat(StudySpecTest.problems(spec(list, 4, null)))
                .singleElement()
                .asString()
                .contains("model.module.moduleArgs must be a JSON object");
        var argsAlone = new ModuleModelSpec("m", SHA, 10L, lora(), null, null, null, json.readTree("{}"));
        assertThat(StudySpecTest.problems(spec(argsAlone, 4, null)))
                .singleElement()
                .asString()
                .contains("given with model.module.moduleClass");
    }

    @Test
    void anInputShapeOfAnotherWidthThanTheDatasetIsRefused() {
        var m = new ModuleModelSpec("m", SHA, 10L, null, List.of(2, 3), null);
        assertThat(StudySpecTest.problems(spec(m, 4, null)))
                .singleElement()
                .asString()
                .contains("model.module.inputShape [2, 3] holds 6 values, but each row of the dataset has 4");
    }

    @Test
    void aModuleNextToADl4jConfigurationOrAPresetIsRefused() {
        var configured = spec(
                new StudySpec.Model(
                        "mlp",
                        null,
                        null,
                        tools.jackson.databind.node.JsonNodeFactory.instance.stringNode("{}"),
                        null,
                        module("m", SHA, 10L, null)),
                4,
                null);
        assertThat(StudySpecTest.problems(configured))
                .anySatisfy(p -> assertThat(p).contains("model.preset and model.module are exclusive"))
                .anySatisfy(p -> assertThat(p).contains("model.module, model.configuration and model.keras are"));
    }

    @Test
    void scaffoldAndFedProxAreRefusedForAModule() {
        assertThat(StudySpecTest.problems(spec(module("m", SHA, 10L, null), 4, "scaffold")))
                .anySatisfy(p -> assertThat(p).contains("strategy 'scaffold' cannot train a module"));
        assertThat(StudySpecTest.problems(spec(module("m", SHA, 10L, null), 4, "fedprox")))
                .anySatisfy(p -> assertThat(p).contains("strategy 'fedprox' cannot train a module"));
    }
}
