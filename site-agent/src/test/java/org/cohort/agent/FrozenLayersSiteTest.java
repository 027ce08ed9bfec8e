package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.cohort.learning.model.FrozenLayers;
import org.cohort.learning.model.KerasImport;
import org.cohort.protocol.v1.DatasetSpec;
import org.cohort.protocol.v1.FeatureColumnSpec;
import org.cohort.protocol.v1.PrivacyPlan;
import org.cohort.protocol.v1.RoundTask;
import org.cohort.protocol.v1.TaskKind;
import org.cohort.protocol.v1.TrainingPlan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A site training a task that freezes layers: its update holds the trainable positions only, in the
 * model's flat order, under patient-level DP too; a task whose frozen layers the model lacks, or
 * that an external trainer would have to honour, is refused before training.
 */
class FrozenLayersSiteTest {
    private static final Path KERAS = Path.of("..", "docs", "models", "heart-mlp-keras.h5");

    @TempDir
    Path dir;

    private Path table() throws Exception {
        var random = new Random(3);
        var csv = new StringBuilder();
        for (int i = 0; i < 15; i++) {
            csv.append("x").append(i).append(',');
        }
        csv.append("y\n");
        for (int r = 0; r < 80; r++) {
            int y = r % 2;
            for (int i = 0; i < 15; i++) {
                csv.append(String.format(java.util.Locale.ROOT, "%.3f,", random.nextGaussian() + y));
            }
            csv.append(y).append('\n');
        }
        return Files.writeString(dir.resolve("site.csv"), csv);
    }

    private static RoundTask task(List<String> frozen, PrivacyPlan privacy) {
        var dataset = DatasetSpec.newBuilder()
                .setFormat("csv")
                .setLabelColumn("y")
                .setPositiveAbove(0.5)
                .setTestFraction(0.25)
                .setSplitSeed(1);
        for (int i = 0; i < 15; i++) {
            dataset.addFeatures(FeatureColumnSpec.newBuilder()
                    .setName("x" + i)
                    .setHasScaling(true)
                    .setCenter(0)
                    .setScale(1));
        }
        return RoundTask.newBuilder()
                .setStudyId("st-1")
                .setRoundId("r-1")
                .setKind(TaskKind.TRAIN)
                .setPlan(TrainingPlan.newBuilder()
                        .setLocalEpochs(2)
                        .setBatchSize(16)
                        .setOptimizer("adam")
                        .setLearningRate(0.05)
                        .setSeed(5)
                        .addAllFrozenLayers(frozen))
                .setDataset(dataset)
                .setPrivacy(privacy)
                .build();
    }

    @Test
    void theUpdateHoldsTheTrainablePositionsOnlyInClearAndUnderDp() throws Exception {
        var keras = KerasImport.read(Files.readAllBytes(KERAS));
        String config = keras.spec().normalisedJson();
        var frozen = FrozenLayers.resolve(keras.spec(), List.of("hidden"));
        var learner = new Dl4jLearner(table());
        for (PrivacyPlan privacy : List.of(
                PrivacyPlan.newBuilder()
                        .setMode(org.cohort.protocol.v1.PrivacyMode.PRIVACY_MODE_NONE)
                        .build(),
                TestPlans.patient(50))) {
            RoundTask task = task(List.of("hidden"), privacy);
            assertThat(learner.modelProblem(task, config, keras.parameters())).isEmpty();
            var outcome = learner.run(task, config, keras.parameters());
            assertThat(outcome.delta()).as(privacy.getMode().name()).hasSize((int) frozen.trainableCount());
            assertThat(outcome.delta()).as("the output layer moved").isNotEqualTo(new float[34]);
        }
    }

    @Test
    void aFrozenLayerTheModelLacksIsRefusedBeforeTraining() throws Exception {
        var keras = KerasImport.read(Files.readAllBytes(KERAS));
        var learner = new Dl4jLearner(table());
        var task = task(List.of("encoder"), PrivacyPlan.getDefaultInstance());
        assertThat(learner.modelProblem(task, keras.spec().normalisedJson(), keras.parameters()))
                .hasValueSatisfying(p -> assertThat(p)
                        .contains("frozen layers do not fit its model")
                        .contains("'encoder' is not a layer")
                        .endsWith("refused before training, nothing spent"));
    }

    /** A trainer other than the built-in one: its training is not the agent's to freeze. */
    private static final class OtherTrainer implements Trainer {
        @Override
        public String describe() {
            return "external (test)";
        }

        @Override
        public Result train(Job job) {
            throw new AssertionError("a task it cannot honour must be refused before training");
        }
    }

    @Test
    void anExternalTrainerCannotHonourFrozenLayers() throws Exception {
        var keras = KerasImport.read(Files.readAllBytes(KERAS));
        Path data = table();
        var learner = new Dl4jLearner(
                data, org.cohort.learning.data.SplitKey.of(Dl4jLearner.fixedSplitSecret(data)), new OtherTrainer());
        var task = task(List.of("hidden"), PrivacyPlan.getDefaultInstance());
        assertThat(learner.modelProblem(task, keras.spec().normalisedJson(), keras.parameters()))
                .hasValueSatisfying(p -> assertThat(p).contains("only the agent's built-in DL4J trainer"));
        // Even when asked to run it without asking first, nothing is trained.
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> learner.run(task, keras.spec().normalisedJson(), keras.parameters()))
                .hasMessageContaining("only the agent's built-in DL4J trainer");
    }
}
