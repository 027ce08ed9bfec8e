package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.cohort.learning.data.TabularDataset;
import org.cohort.learning.dp.DpSgdPlan;
import org.cohort.learning.model.ModelSpec;
import org.cohort.learning.model.ParameterVectors;
import org.cohort.learning.train.Evaluator;
import org.cohort.protocol.trainer.v1.LoraAdapters;
import org.cohort.protocol.trainer.v1.ModuleModel;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reference PyTorch worker as a real child process over cohort.trainer.v1, and the agent's
 * handling of a hostile one: a report that lies, NaN or wrongly sized updates, a crash, a hang.
 * Skipped, saying why, where no python3 with PyTorch, grpcio and protobuf is installed (.ci/run
 * installs Debian's).
 */
class ExternalTrainerTest {
    private static final int ROWS = 300;
    private static List<String> worker;

    @BeforeAll
    static void findWorker() {
        var found = PyTorchWorker.findFor("ExternalTrainerTest");
        Assumptions.assumeTrue(found.present(), () -> "no PyTorch worker can run here: " + found.problem());
        worker = found.command();
    }

    private static ExternalTrainer trainer(Path dir, String misbehave, Duration timeout) {
        var command = new ArrayList<String>();
        if (misbehave != null) {
            command.addAll(List.of("env", "COHORT_TRAINER_TEST_MISBEHAVE=" + misbehave));
        }
        command.addAll(worker);
        return new ExternalTrainer(command, dir.resolve("trainer"), timeout);
    }

    private static double accuracy(String config, float[] params, TabularDataset data) {
        var net = new ModelSpec(config).build();
        ParameterVectors.write(net, params);
        return Evaluator.evaluate(net, data).accuracy();
    }

    private static float[] plus(float[] a, float[] b) {
        float[] out = a.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] += b[i];
        }
        return out;
    }

    @Test
    void perSampleGradientsByTorchFuncOrFunctorchAndByHandAgreeWithAutograd() throws Exception {
        var command = new ArrayList<>(worker);
        command.add("--self-test");
        var p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out).contains("self-test passed");
        System.out.print(out);
    }

    @Test
    void theWorkersOwnUnitTestsPass() throws Exception {
        // trainers/pytorch/test_worker.py: module models, LoRA, safetensors files, per-example gradients.
        Path dir = PyTorchWorker.script().orElseThrow().getParent();
        var p = new ProcessBuilder(
                        worker.getFirst(), "-m", "unittest", "discover", "-s", dir.toString(), "-p", "test_*.py", "-v")
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out).contains("OK").doesNotContain("skipped");
    }

    /** A SmallCnn base written as a safetensors file, with LoRA on its residual block and head. */
    private static ModuleModel smallCnnWithLora(Path dir) {
        Path base = dir.resolve("base.safetensors");
        String args = "{\"in_channels\": 3, \"classes\": 2, \"width\": 8, \"hidden\": 16}";
        String written = PyTorchWorker.tool(
                worker, List.of("--write-small-cnn", base.toString(), "--model-args", args, "--seed", "4"));
        String sha = tools.jackson.databind.json.JsonMapper.shared()
                .readTree(written)
                .get("sha256")
                .asString();
        return ModuleModel.newBuilder()
                .setModuleClass("cohort_models:SmallCnn")
                .setModuleArgsJson(args)
                .setStateDict(base.toString())
                .setSha256(sha)
                .addAllInputShape(List.of(3L, 4L, 4L))
                .setSeed(9)
                .setLora(LoraAdapters.newBuilder()
                        .setRank(2)
                        .setAlpha(4)
                        .addTargets("block_conv*")
                        .addTargets("head"))
                .build();
    }

    private static TabularDataset images(int rows) {
        return images(rows, 5);
    }

    private static TabularDataset images(int rows, long seed) {
        var random = new java.util.Random(seed);
        float[][] x = new float[rows][48];
        int[] y = new int[rows];
        for (int i = 0; i < rows; i++) {
            y[i] = i % 2;
            for (int j = 0; j < 48; j++) {
                x[i][j] = (float) random.nextGaussian() + (j < 16 ? y[i] : 0);
            }
        }
        return new TabularDataset(x, y, 2);
    }

    @Test
    void aLoraJobReturnsOnlyTheAdapterOffsetsInTheLayoutTheWorkerStates(@TempDir Path dir) {
        ModuleModel module = smallCnnWithLora(dir);
        long values = PyTorchWorker.exchangedValues(worker, module);
        // block_conv1/2: A [2, 8, 3, 3] + B [8, 2, 1, 1]; head: A [2, 16] + B [2, 2]
        assertThat(values).isEqualTo(2 * (2 * 8 * 9 + 8 * 2) + (2 * 16 + 2 * 2));
        var data = images(40);
        DpSgdPlan dp = DpSgdPlan.ofEpochs(1.1, 1.0, 8, data.size(), 2);
        try (var external = trainer(dir, null, Duration.ofMinutes(2))) {
            var r = external.train(
                    new Trainer.Job("r-lora", null, new float[(int) values], data, TrainerJobs.PLAN, dp, module));
            assertThat(r.delta()).hasSize((int) values);
            assertThat(r.tensors())
                    .extracting(DenseLayout.Tensor::name)
                    .containsExactly(
                            "block_conv1.lora_A",
                            "block_conv1.lora_B",
                            "block_conv2.lora_A",
                            "block_conv2.lora_B",
                            "head.lora_A",
                            "head.lora_B");
            assertThat(r.privacy().steps()).isEqualTo(dp.steps());
            assertThat(r.privacy().noiseMultiplier()).isEqualTo(dp.noiseMultiplier());
            assertThat(external.lastRun().updateBytes()).isEqualTo(4 * values);

            assertThatThrownBy(() -> external.train(new Trainer.Job(
                            "r-lora", null, new float[(int) values + 1], data, TrainerJobs.PLAN, dp, module)))
                    .hasMessageContaining("the global model has " + (values + 1) + " values")
                    .hasMessageContaining("have " + values);
        }
    }

    @Test
    void aTrainedModulesPredictionsAreClassProbabilitiesThatTheAgentScores(@TempDir Path dir) {
        ModuleModel module = smallCnnWithLora(dir);
        int values = (int) PyTorchWorker.exchangedValues(worker, module);
        var train = images(200);
        var test = images(60, 6); // other rows than the training rows
        try (var external = trainer(dir, null, Duration.ofMinutes(2))) {
            var before =
                    external.predict(new Trainer.Prediction("r-eval", module, new float[values], test.features(), 2));
            assertThat(before).hasNumberOfRows(60);
            for (float[] p : before) {
                assertThat(p).hasSize(2);
                assertThat(p[0] + p[1]).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-5f));
            }
            var r = external.train(
                    new Trainer.Job("r-lora", null, new float[values], train, TrainerJobs.PLAN, null, module));
            var after = external.predict(new Trainer.Prediction("r-eval", module, r.delta(), test.features(), 2));
            // The predictions are the trained module's (the worker's own tests compare them with its forward pass).
            assertThat(after).isNotEqualTo(before);
            var eval = Evaluator.evaluate(after, test);
            assertThat(eval.examples()).isEqualTo(60);
            assertThat(eval.logLoss()).isFinite();
            assertThat(java.util.Arrays.stream(Evaluator.scoreHistogram(after, test, 40))
                            .sum())
                    .isEqualTo(60);
            assertThat(java.util.Arrays.stream(Evaluator.confusionMatrix(after, test))
                            .sum())
                    .isEqualTo(60);
            assertThatThrownBy(() -> external.predict(
                            new Trainer.Prediction("r-eval", module, new float[values + 1], test.features(), 2)))
                    .hasMessageContaining("the global model has " + (values + 1) + " values");
        }
    }

    @Test
    void theInProcessTrainerRefusesAModuleJobNamingTheExternalTrainer() {
        var module = ModuleModel.newBuilder()
                .setModuleClass("cohort_models:SmallCnn")
                .build();
        assertThatThrownBy(() -> new Dl4jTrainer()
                        .train(new Trainer.Job("r", null, new float[1], images(2), TrainerJobs.PLAN, null, module)))
                .hasMessageContaining("trainer.kind=external");
    }

    @Test
    void trainsWithAndWithoutDpSgdAndReportsExactlyThePlan(@TempDir Path dir) {
        var data = TrainerJobs.data(ROWS, 2);
        var test = TrainerJobs.data(500, 9);
        try (var external = trainer(dir, null, Duration.ofMinutes(2))) {
            assertThat(external.describe()).contains("pytorch");
            for (String config : List.of(TrainerJobs.logistic(), TrainerJobs.mlp())) {
                var plain = TrainerJobs.job(config, data, null);
                var r = external.train(plain);
                assertThat(TrainerReportCheck.problem(
                                plain, DenseLayout.of(config).orElseThrow().tensors(), r))
                        .isEmpty();
                assertThat(r.privacy()).isNull();
                assertThat(accuracy(config, plus(plain.global(), r.delta()), test))
                        .as("non-private training of %s", config.length())
                        .isGreaterThan(0.85);

                var dp = TrainerJobs.job(config, data, TrainerJobs.dp(ROWS));
                long start = System.nanoTime();
                var d = external.train(dp);
                long externalMillis = (System.nanoTime() - start) / 1_000_000;
                assertThat(TrainerReportCheck.problem(
                                dp, DenseLayout.of(config).orElseThrow().tensors(), d))
                        .isEmpty();
                assertThat(d.privacy().steps()).isEqualTo(dp.dp().steps());
                assertThat(d.privacy().noiseMultiplier()).isEqualTo(dp.dp().noiseMultiplier());
                assertThat(d.privacy().noise()).contains("os.urandom");
                start = System.nanoTime();
                var inProcess = new Dl4jTrainer().train(dp);
                long dl4jMillis = (System.nanoTime() - start) / 1_000_000;
                System.out.printf(
                        "DP-SGD %s, %d rows, %d steps: external PyTorch worker %d ms (accuracy %.3f), DL4J in"
                                + " process %d ms (accuracy %.3f)%n",
                        config.contains("DenseLayer") ? "MLP" : "logistic regression",
                        ROWS,
                        dp.dp().steps(),
                        externalMillis,
                        accuracy(config, plus(dp.global(), d.delta()), test),
                        dl4jMillis,
                        accuracy(config, plus(dp.global(), inProcess.delta()), test));
                assertThat(accuracy(config, plus(dp.global(), d.delta()), test)).isGreaterThan(0.7);
            }
        }
    }

    @Test
    void aLyingOrBrokenWorkerIsRefusedByTheAgentsCheck(@TempDir Path dir) {
        var data = TrainerJobs.data(ROWS, 2);
        var config = TrainerJobs.mlp();
        var layout = DenseLayout.of(config).orElseThrow().tensors();
        var expected = java.util.Map.of(
                "low-sigma", "below",
                "more-steps", "more than the",
                "other-clip", "clip norm",
                "nan", "non-finite",
                "wrong-shape", "values where the model has");
        expected.forEach((mode, reason) -> {
            try (var external = trainer(dir.resolve(mode), mode, Duration.ofMinutes(2))) {
                var job = TrainerJobs.job(config, data, TrainerJobs.dp(ROWS));
                assertThat(TrainerReportCheck.problem(job, layout, external.train(job)))
                        .as(mode)
                        .hasValueSatisfying(why -> assertThat(why).contains(reason));
            }
        });
    }

    @Test
    void aCrashingHangingOrAbsentWorkerFailsTheJobWithAReasonAndIsRestarted(@TempDir Path dir) {
        var job = TrainerJobs.job(TrainerJobs.logistic(), TrainerJobs.data(100, 2), null);
        try (var crashing = trainer(dir.resolve("crash"), "crash", Duration.ofMinutes(2))) {
            assertThatThrownBy(() -> crashing.train(job))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("crashed during the job (exit status 3)");
        }
        try (var flooding = trainer(dir.resolve("long"), "long-update", Duration.ofMinutes(2))) {
            assertThatThrownBy(() -> flooding.train(job))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("more update bytes than the model has parameters");
        }
        try (var hanging = trainer(dir.resolve("hang"), "hang", Duration.ofSeconds(3))) {
            assertThatThrownBy(() -> hanging.train(job))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("did not finish within 3 s; it was stopped");
        }
        try (var absent = new ExternalTrainer(
                List.of(worker.get(0), "-c", "import sys; print('no torch here'); sys.exit(4)"),
                dir.resolve("absent"),
                Duration.ofSeconds(10))) {
            assertThatThrownBy(() -> absent.train(job))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("exited with status 4 before it listened")
                    .hasMessageContaining("no torch here");
        }
    }
}
