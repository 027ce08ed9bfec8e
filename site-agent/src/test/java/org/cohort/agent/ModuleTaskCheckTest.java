package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.cohort.learning.data.SplitKey;
import org.cohort.protocol.v1.DatasetSpec;
import org.cohort.protocol.v1.FeatureColumnSpec;
import org.cohort.protocol.v1.RoundTask;
import org.cohort.protocol.v1.TaskKind;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an agent checks of a module study's task after the model is downloaded and before anything is
 * trained (refused as MODEL_UNUSABLE, nothing spent): a trainer that can train modules, a module directory,
 * the study's file, and a module that fits the data (vector length, input width, classes).
 */
class ModuleTaskCheckTest {
    @TempDir
    Path dir;

    private Path csv;
    private String digest;
    private SiteModules modules;

    @BeforeEach
    void site() throws Exception {
        var rows = new StringBuilder("x0,x1,y\n");
        for (int i = 0; i < 40; i++) {
            rows.append(i % 7)
                    .append(',')
                    .append(i % 3)
                    .append(',')
                    .append(i % 2)
                    .append('\n');
        }
        csv = Files.writeString(dir.resolve("site.csv"), rows);
        Path moduleDir = Files.createDirectories(dir.resolve("modules"));
        byte[] bytes = "a module file".getBytes();
        Files.write(moduleDir.resolve("m.safetensors"), bytes);
        digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        Files.writeString(
                moduleDir.resolve(SiteModules.MANIFEST),
                "{\"m\": {\"moduleClass\": \"cohort_models:Mlp\", \"stateDict\": \"m.safetensors\"}}");
        modules = new SiteModules(moduleDir);
    }

    private static RoundTask task() {
        var dataset = DatasetSpec.newBuilder()
                .setFormat("csv")
                .setLabelColumn("y")
                .setPositiveAbove(0.5)
                .setTestFraction(0.25)
                .setSplitSeed(1);
        for (String name : List.of("x0", "x1")) {
            dataset.addFeatures(FeatureColumnSpec.newBuilder()
                    .setName(name)
                    .setHasScaling(true)
                    .setCenter(0)
                    .setScale(1));
        }
        return RoundTask.newBuilder()
                .setStudyId("st-1")
                .setRoundId("r-1")
                .setKind(TaskKind.TRAIN)
                .setDataset(dataset)
                .build();
    }

    private String config(long trainable, String inputShape, int classes) {
        return "{\"cohortModule\":{\"name\":\"m\",\"sha256\":\"" + digest + "\",\"trainable\":" + trainable
                + ",\"classes\":" + classes + ",\"seed\":1,\"inputShape\":" + inputShape + "}}";
    }

    private Dl4jLearner learner(Trainer trainer, SiteModules siteModules) {
        return new Dl4jLearner(csv, SplitKey.of(new byte[32]), trainer, siteModules);
    }

    /** An external trainer that is never started: its checks of a module study need no process. */
    private Trainer external() {
        return new ExternalTrainer(List.of("false"), dir.resolve("trainer"), Duration.ofSeconds(5));
    }

    @Test
    void aModuleThatFitsTheSiteIsUsable() {
        assertThat(learner(external(), modules).modelProblem(task(), config(5, "[2]", 2), new float[5]))
                .isEmpty();
    }

    @Test
    void theInProcessTrainerCannotTrainAModule() {
        assertThat(learner(new Dl4jTrainer(), modules).modelProblem(task(), config(5, "[2]", 2), new float[5]))
                .hasValueSatisfying(p -> assertThat(p)
                        .contains("this site's trainer cannot train the study's model")
                        .contains("trainer.kind=external")
                        .endsWith("refused before training, nothing spent"));
    }

    @Test
    void aSiteWithoutModulesSaysSo() {
        assertThat(learner(external(), null).modelProblem(task(), config(5, "[2]", 2), new float[5]))
                .hasValueSatisfying(p -> assertThat(p).contains("this site keeps no PyTorch modules (trainer.modules"));
    }

    @Test
    void aModuleThatDoesNotFitTheDataIsRefusedNamingBothSides() {
        var learner = learner(external(), modules);
        assertThat(learner.modelProblem(task(), config(5, "[2]", 2), new float[6]))
                .hasValueSatisfying(
                        p -> assertThat(p).contains("the model has 6 values where the study's module states 5"));
        assertThat(learner.modelProblem(task(), config(5, "[3]", 2), new float[5]))
                .hasValueSatisfying(p -> assertThat(p)
                        .contains("the module's input shape [3] holds 3 values where the study's columns encode to 2"));
        assertThat(learner.modelProblem(task(), config(5, "[2]", 3), new float[5]))
                .hasValueSatisfying(
                        p -> assertThat(p).contains("the module predicts 3 classes where the study's label has 2"));
    }

    @Test
    void anotherFileUnderTheModulesNameIsRefusedWithoutThePath() throws Exception {
        Files.writeString(dir.resolve("modules").resolve("m.safetensors"), "another base");
        assertThat(learner(external(), modules).modelProblem(task(), config(5, "[2]", 2), new float[5]))
                .hasValueSatisfying(p -> assertThat(p)
                        .contains("this site's copy of module 'm' is not the study's file")
                        .doesNotContain(dir.toString()));
    }
}
