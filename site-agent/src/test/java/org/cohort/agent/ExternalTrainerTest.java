package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.cohort.learning.data.TabularDataset;
import org.cohort.learning.model.ModelSpec;
import org.cohort.learning.model.ParameterVectors;
import org.cohort.learning.train.Evaluator;
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
        var found = PyTorchWorker.find();
        if (!found.present()) {
            System.out.println("SKIPPED ExternalTrainerTest: no PyTorch worker can run here: " + found.problem());
        }
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
