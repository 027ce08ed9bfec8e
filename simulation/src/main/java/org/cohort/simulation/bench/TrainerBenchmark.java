package org.cohort.simulation.bench;

import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.cohort.agent.Dl4jTrainer;
import org.cohort.agent.ExternalTrainer;
import org.cohort.agent.PyTorchWorker;
import org.cohort.agent.Trainer;
import org.cohort.learning.data.SplitData;
import org.cohort.learning.dp.DpSgdPlan;
import org.cohort.learning.model.ModelPreset;
import org.cohort.learning.model.Optimizer;
import org.cohort.learning.model.ParameterVectors;
import org.cohort.learning.model.TrainingPlan;
import org.cohort.simulation.CommandLines;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * Benchmark (not a test): one site's local training per round through the trainer boundary, DL4J
 * in the agent's process against the reference PyTorch worker in its own process (the whole
 * cohort.trainer.v1 call: model, rows and plan over the Unix domain socket, training, the update
 * back), for the same model, rows and plan, on the CPU; with and without patient-level DP-SGD.
 * The worker runs with one torch thread ({@code --threads 1}) and DL4J as the agent runs it.
 * Arguments (optional, in order): rows per site (3 synthetic hospitals, default 300), hidden width
 * of the MLP (16), epochs (5, DP-SGD: the same number of expected passes), timed runs (7).
 */
public final class TrainerBenchmark {
    private static final int WARM_UP_RUNS = 2;

    private TrainerBenchmark() {}

    public static void main(String[] args) {
        CommandLines.exit(new Arguments(), args);
    }

    @Command(
            name = "./bench.sh TrainerBenchmark",
            mixinStandardHelpOptions = true,
            description = "Time per round of one site's local training: DL4J in process against the external"
                    + " PyTorch worker, same model, rows and plan, with and without DP-SGD.")
    static final class Arguments implements Callable<Integer> {
        @Parameters(
                index = "0",
                arity = "0..1",
                paramLabel = "ROWS",
                defaultValue = "300",
                converter = BenchNumbers.PositiveInt.class,
                description = "rows per site, 3 sites (default ${DEFAULT-VALUE})")
        int rowsPerSite;

        @Parameters(
                index = "1",
                arity = "0..1",
                paramLabel = "HIDDEN",
                defaultValue = "16",
                converter = BenchNumbers.PositiveInt.class,
                description = "hidden width of the MLP (default ${DEFAULT-VALUE})")
        int hidden;

        @Parameters(
                index = "2",
                arity = "0..1",
                paramLabel = "EPOCHS",
                defaultValue = "5",
                converter = BenchNumbers.PositiveInt.class,
                description = "local epochs (default ${DEFAULT-VALUE})")
        int epochs;

        @Parameters(
                index = "3",
                arity = "0..1",
                paramLabel = "RUNS",
                defaultValue = "7",
                converter = BenchNumbers.PositiveInt.class,
                description = "timed runs (default ${DEFAULT-VALUE})")
        int runs;

        @Override
        public Integer call() throws Exception {
            var worker = PyTorchWorker.find();
            if (!worker.present()) {
                System.err.println("no PyTorch worker can run here: " + worker.problem());
                return 1;
            }
            SplitData split = DpSgdBenchmark.threeHospitals(rowsPerSite);
            var train = split.train();
            TrainingPlan plan = new TrainingPlan(epochs, 32, Optimizer.SGD, 0.2, 1);
            var dir = Files.createTempDirectory("cohort-trainer-bench-");
            try (Trainer dl4j = new Dl4jTrainer();
                    Trainer external = new ExternalTrainer(worker.command(), dir, Duration.ofMinutes(10))) {
                System.out.printf(
                        Locale.ROOT,
                        "Trainer boundary benchmark: %d training rows x %d features, SGD lr 0.2, batch 32, %d epochs;"
                                + " DP-SGD sigma 1.0, C 1.0, expected batch 32; %s; best (median) of %d runs after %d"
                                + " warm-up, ms per round%n",
                        train.size(),
                        train.numFeatures(),
                        epochs,
                        external.describe(),
                        runs,
                        WARM_UP_RUNS);
                System.out.printf(
                        Locale.ROOT,
                        "%-28s %-9s %22s %22s %9s%n",
                        "model",
                        "privacy",
                        "DL4J in process",
                        "external PyTorch",
                        "ratio");
                for (var preset : List.of(ModelPreset.logisticRegression(), ModelPreset.mlp(hidden))) {
                    String config = preset.configJson(train.numFeatures(), 2, plan);
                    float[] global = ParameterVectors.initialParameters(config, 1);
                    String name =
                            (preset.hiddenLayers().isEmpty() ? "logistic regression" : "mlp" + preset.hiddenLayers())
                                    + " (" + global.length + " p)";
                    for (boolean dp : new boolean[] {false, true}) {
                        DpSgdPlan dpPlan = dp ? DpSgdPlan.matching(plan, train.size(), 1.0, 1.0) : null;
                        var job = new Trainer.Job("bench", config, global, train, plan, dpPlan);
                        double[] a = time(dl4j, job, runs);
                        double[] b = time(external, job, runs);
                        System.out.printf(
                                Locale.ROOT,
                                "%-28s %-9s %10.1f (%9.1f) %10.1f (%9.1f) %8.2fx%n",
                                name,
                                dp ? "DP-SGD" : "none",
                                a[0],
                                a[1],
                                b[0],
                                b[1],
                                b[1] / a[1]);
                    }
                }
            }
            return 0;
        }
    }

    /** Best and median milliseconds of {@code runs} calls after the warm-up. */
    private static double[] time(Trainer trainer, Trainer.Job job, int runs) {
        for (int i = 0; i < WARM_UP_RUNS; i++) {
            trainer.train(job);
        }
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            trainer.train(job);
            ms[i] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(ms);
        return new double[] {ms[0], ms[runs / 2]};
    }
}
