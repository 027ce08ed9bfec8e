package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.cohort.protocol.trainer.v1.LoraAdapters;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A site's module directory: the study's module is found by name in the manifest and pinned by its
 * SHA-256; what a refusal says leaves the site, so it names no path and not the site's own digest.
 */
class SiteModulesTest {
    @TempDir
    Path dir;

    private String digest;

    @BeforeEach
    void writeModule() throws Exception {
        byte[] bytes = "not really safetensors, but a file with a digest".getBytes();
        Files.write(dir.resolve("tiny.safetensors"), bytes);
        digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        Files.writeString(
                dir.resolve(SiteModules.MANIFEST),
                "{\"tiny\": {\"moduleClass\": \"cohort_models:Mlp\", \"moduleArgs\": {\"inputs\": 4, \"hidden\": [3]},"
                        + " \"stateDict\": \"tiny.safetensors\"},"
                        + " \"gone\": {\"moduleClass\": \"cohort_models:Mlp\", \"stateDict\": \"gone.safetensors\"}}");
    }

    private static StudyModule study(String name, String sha256) {
        return new StudyModule(
                name,
                sha256,
                20,
                2,
                7,
                false,
                List.of(4L),
                LoraAdapters.newBuilder()
                        .setRank(2)
                        .setAlpha(4)
                        .addTargets("layers.*")
                        .build());
    }

    @Test
    void theStudysModuleIsTheSitesFileWithTheStudysTerms() {
        var model = new SiteModules(dir).resolve(study("tiny", digest.toUpperCase()));
        assertThat(model.getModuleClass()).isEqualTo("cohort_models:Mlp");
        assertThat(model.getModuleArgsJson()).isEqualTo("{\"inputs\":4,\"hidden\":[3]}");
        assertThat(Path.of(model.getStateDict())).isEqualTo(dir.resolve("tiny.safetensors"));
        assertThat(model.getSha256()).isEqualTo(digest.toUpperCase());
        assertThat(model.getInputShapeList()).containsExactly(4L);
        assertThat(model.getSeed()).isEqualTo(7);
        assertThat(model.getLora().getTargetsList()).containsExactly("layers.*");
        assertThat(model.getAbsolute()).isFalse();
    }

    @Test
    void aStudyThatPinsTheClassAndArgumentsRefusesAManifestBuildingOtherCode() {
        var json = tools.jackson.databind.json.JsonMapper.shared();
        var base = study("tiny", digest);
        java.util.function.BiFunction<String, String, StudyModule> pinned = (cls, args) -> new StudyModule(
                base.name(),
                base.sha256(),
                base.trainable(),
                base.classes(),
                base.seed(),
                base.absolute(),
                base.inputShape(),
                base.lora(),
                cls,
                args == null ? null : json.readTree(args));
        var modules = new SiteModules(dir);
        // Same class, same arguments (key order and spacing do not matter): the site's file is used.
        assertThat(modules.resolve(pinned.apply("cohort_models:Mlp", "{\"hidden\": [3], \"inputs\": 4}"))
                        .getModuleClass())
                .isEqualTo("cohort_models:Mlp");
        assertThat(modules.resolve(pinned.apply("cohort_models:Mlp", null)).getModuleClass())
                .isEqualTo("cohort_models:Mlp");
        assertThatThrownBy(() -> modules.resolve(pinned.apply("cohort_models:SmallCnn", null)))
                .isInstanceOf(SiteModules.Unusable.class)
                .hasMessageContaining("is not built by the study's class cohort_models:SmallCnn")
                .hasMessageNotContaining(dir.toString());
        assertThatThrownBy(() -> modules.resolve(pinned.apply("cohort_models:Mlp", "{\"inputs\": 4, \"hidden\": [8]}")))
                .isInstanceOf(SiteModules.Unusable.class)
                .hasMessageContaining("does not give the class the study's arguments");
    }

    @Test
    void theAdminsListingNamesEachModuleWithItsDigestOrItsProblem() {
        assertThat(new SiteModules(dir).listing())
                .containsExactly(
                        "tiny: " + dir.resolve("tiny.safetensors") + " sha256 " + digest,
                        "gone: " + dir.resolve("gone.safetensors") + " cannot be read");
    }

    @Test
    void aFileThatIsNotTheStudysIsRefusedWithoutThePathOrTheSitesDigest() {
        String other = "0".repeat(64);
        assertThatThrownBy(() -> new SiteModules(dir).resolve(study("tiny", other)))
                .isInstanceOf(SiteModules.Unusable.class)
                .hasMessageContaining("this site's copy of module 'tiny' is not the study's file")
                .hasMessageContaining(other)
                .hasMessageNotContaining(dir.toString())
                .hasMessageNotContaining(digest);
    }

    @Test
    void aModuleTheManifestDoesNotListIsRefusedByName() {
        assertThatThrownBy(() -> new SiteModules(dir).resolve(study("resnet", digest)))
                .isInstanceOf(SiteModules.Unusable.class)
                .hasMessage("this site holds no module named 'resnet' (its module directory's modules.json lists"
                        + " none by that name)");
    }

    @Test
    void aListedFileThatIsMissingIsRefusedWithoutItsPath() {
        assertThatThrownBy(() -> new SiteModules(dir).resolve(study("gone", digest)))
                .isInstanceOf(SiteModules.Unusable.class)
                .hasMessageContaining("names a file that is missing")
                .hasMessageNotContaining(dir.toString());
    }

    @Test
    void aManifestThatIsNotJsonIsRefusedWithoutItsPath() throws Exception {
        Files.writeString(dir.resolve(SiteModules.MANIFEST), "{not json");
        assertThatThrownBy(() -> new SiteModules(dir).resolve(study("tiny", digest)))
                .isInstanceOf(SiteModules.Unusable.class)
                .hasMessageContaining("module manifest cannot be read")
                .hasMessageNotContaining(dir.toString());
    }

    @Test
    void theStudysDescriptionReadsFromTheConfigurationTheCoordinatorSigns() {
        String config = "{\"cohortModule\":{\"name\":\"tiny\",\"sha256\":\"" + digest + "\",\"trainable\":20,"
                + "\"classes\":2,\"seed\":7,\"absolute\":true,\"inputShape\":[2,2],"
                + "\"lora\":{\"rank\":2,\"alpha\":4.0,\"targets\":[\"layers.*\"],\"train\":[\"head\"]}}}";
        var module = StudyModule.parse(config).orElseThrow();
        assertThat(module.name()).isEqualTo("tiny");
        assertThat(module.trainable()).isEqualTo(20);
        assertThat(module.inputValues()).isEqualTo(4);
        assertThat(module.absolute()).isTrue();
        assertThat(module.lora().getTrainList()).containsExactly("head");
        // A DL4J configuration is not a module study.
        assertThat(StudyModule.parse("{\"confs\": []}")).isEmpty();
        assertThatThrownBy(() -> StudyModule.parse("{\"cohortModule\": {\"name\": \"tiny\"}}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("has no 'sha256'");
    }

    @Test
    void theAdminReviewingTheStudySeesTheModuleAndWhatTravels() {
        String config = "{\"cohortModule\":{\"name\":\"tiny\",\"sha256\":\"" + digest + "\",\"trainable\":20,"
                + "\"classes\":2,\"inputShape\":[4],"
                + "\"lora\":{\"rank\":2,\"alpha\":4.0,\"targets\":[\"layers.*\"],\"train\":[\"head\"]}}}";
        assertThat(StudyReview.modelSummary(config))
                .containsExactly(
                        "  PyTorch module 'tiny', file SHA-256 " + digest + " (this site needs that file in"
                                + " trainer.modules, trained by the external trainer)",
                        "  20 values travel: LoRA adapters of rank 2 (alpha 4.0) on [layers.*], and [head] whole; input"
                                + " shape [4], 2 classes");
    }

    @Test
    void theInProcessTrainerRefusesAModuleStudyBeforeTraining() {
        String config = "{\"cohortModule\":{\"name\":\"tiny\",\"sha256\":\"" + digest + "\",\"trainable\":20,"
                + "\"classes\":2,\"inputShape\":[4]}}";
        assertThat(new Dl4jTrainer().modelProblem(config))
                .hasValueSatisfying(p -> assertThat(p).contains("set trainer.kind=external"));
    }
}
