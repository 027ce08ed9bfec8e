package org.cohort.simulation.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.cohort.learning.data.RowKeys;
import org.cohort.learning.data.SplitData;
import org.cohort.learning.data.SplitKey;
import org.cohort.learning.data.SplitRule;
import org.cohort.learning.data.SyntheticHospitals;
import org.cohort.learning.data.TabularDataset;
import org.cohort.learning.data.TrainTestSplit;
import org.cohort.learning.dp.DpSgdPlan;
import org.cohort.learning.dp.DpSgdResult;
import org.cohort.learning.dp.DpSgdTrainer;
import org.cohort.learning.dp.SecureGaussianNoise;
import org.cohort.learning.model.ModelPreset;
import org.cohort.learning.model.ModelSpec;
import org.cohort.learning.model.Optimizer;
import org.cohort.learning.model.ParameterVectors;
import org.cohort.learning.model.TrainingPlan;
import org.cohort.learning.train.Evaluator;
import org.cohort.learning.train.LocalTrainer;
import org.cohort.simulation.CommandLines;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.impl.ActivationThresholdedReLU;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * Benchmark (not a test): the cost of patient-level DP. Trains the same MLP preset on the same
 * synthetic-hospital rows with the non-private {@link LocalTrainer} and with {@link DpSgdTrainer}
 * (same epochs, same expected batch size, secure noise and sampling), and prints time per epoch
 * and the slowdown; then the same for DP-SGD's per-example loop fallback, for reference. The time
 * of the secure noise alone is printed too: at about a microsecond per parameter per step it is
 * most of DP-SGD's cost on the preset, and it grows with the parameter count. On a shared machine
 * the best run of each is the steadiest figure; medians are printed too.
 *
 * <p>Run with the simulation classpath, {@code OMP_NUM_THREADS=1} and the root pom's
 * {@code cohort.jvm.flags}. Arguments (all optional, in this order; {@code --help} lists them):
 * rows per site (3 sites, default 1000), hidden width (32), expected batch size (64), epochs per
 * timed run (5), timed repetitions (5).
 */
public final class DpSgdBenchmark {

    private static final int WARM_UP_RUNS = 4;

    private DpSgdBenchmark() {}

    public static void main(String[] args) {
        CommandLines.exit(new Arguments(), args);
    }

    /** The command line ({@code ./bench.sh DpSgdBenchmark --help}): all positional, all optional. */
    @Command(
            name = "./bench.sh DpSgdBenchmark",
            mixinStandardHelpOptions = true,
            description = "The cost of patient-level DP: the same MLP trained on the same synthetic-hospital rows"
                    + " without privacy and with DP-SGD (same epochs, same expected batch size): time per epoch and"
                    + " the slowdown.")
    static final class Arguments implements Callable<Integer> {
        @Parameters(
                index = "0",
                arity = "0..1",
                paramLabel = "ROWS",
                defaultValue = "1000",
                converter = BenchNumbers.PositiveInt.class,
                description = "rows per site, 3 sites (default ${DEFAULT-VALUE})")
        int rowsPerSite;

        @Parameters(
                index = "1",
                arity = "0..1",
                paramLabel = "HIDDEN",
                defaultValue = "32",
                converter = BenchNumbers.PositiveInt.class,
                description = "hidden width of the MLP (default ${DEFAULT-VALUE})")
        int hidden;

        @Parameters(
                index = "2",
                arity = "0..1",
                paramLabel = "BATCH",
                defaultValue = "64",
                converter = BenchNumbers.PositiveInt.class,
                description = "expected batch size (default ${DEFAULT-VALUE})")
        int batch;

        @Parameters(
                index = "3",
                arity = "0..1",
                paramLabel = "EPOCHS",
                defaultValue = "5",
                converter = BenchNumbers.PositiveInt.class,
                description = "epochs per timed run (default ${DEFAULT-VALUE})")
        int epochs;

        @Parameters(
                index = "4",
                arity = "0..1",
                paramLabel = "RUNS",
                defaultValue = "5",
                converter = BenchNumbers.PositiveInt.class,
                description = "timed repetitions (default ${DEFAULT-VALUE})")
        int repetitions;

        @Override
        public Integer call() {
            run(rowsPerSite, hidden, batch, epochs, repetitions);
            return 0;
        }
    }

    private static void run(int rowsPerSite, int hidden, int batch, int epochs, int repetitions) {
        double noiseMultiplier = 1.0;
        double clipNorm = 1.0;

        SyntheticHospitals hospitals = SyntheticHospitals.generate(3, rowsPerSite, 2024);
        List<TabularDataset> sites = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
            sites.add(hospitals.dataset(s));
        }
        // A fixed split key: the benchmark times DP-SGD, the split's secrecy does not matter here.
        SplitData split = TrainTestSplit.split(
                TabularDataset.concat(sites),
                RowKeys.content(),
                new SplitRule.Keyed(SplitKey.of(new byte[SplitKey.SECRET_BYTES]), 0.2, 7));
        TabularDataset train = split.train();
        TabularDataset test = split.test();
        TrainingPlan plan = new TrainingPlan(epochs, batch, Optimizer.SGD, 0.1, 1);
        String configJson = ModelPreset.mlp(hidden).configJson(train.numFeatures(), 2, plan);
        float[] initial = ParameterVectors.initialParameters(configJson, 1);
        DpSgdPlan dp = DpSgdPlan.matching(plan, train.size(), noiseMultiplier, clipNorm);
        SecureGaussianNoise noise = SecureGaussianNoise.create();

        System.out.printf(
                Locale.ROOT,
                "DP-SGD benchmark: MLP preset mlp(%d), %d parameters; %d training rows x %d"
                        + " features; expected batch %d (q=%.5f), %d steps per epoch; sigma=%.2f, C=%.2f; SGD lr=%.2f;"
                        + " %d epochs per run, median of %d runs%n",
                hidden,
                initial.length,
                train.size(),
                train.numFeatures(),
                batch,
                dp.samplingRate(),
                dp.stepsPerEpoch(),
                noiseMultiplier,
                clipNorm,
                plan.learningRate(),
                epochs,
                repetitions);
        System.out.println("noise: " + noise.describe());

        Supplier<MultiLayerNetwork> preset = () -> network(configJson, initial);
        // Same network, but ThresholdedReLU(θ=0) for ReLU: identical function and gradients, a
        // hidden activation the vectorised path does not accept, so DP-SGD takes its loop fallback.
        String loopJson = withThresholdedRelu(configJson);
        Supplier<MultiLayerNetwork> loopNet = () -> network(loopJson, initial);

        // Warm-up: both trainers' code paths (ND4J, DL4J, the BigInteger-heavy sampler) need several
        // full runs before the JIT settles; timing earlier makes either side look up to 3x slower.
        for (int w = 0; w < WARM_UP_RUNS; w++) {
            LocalTrainer.train(preset.get(), train, plan);
            DpSgdTrainer.train(preset.get(), train, plan, dp, noise);
        }

        double[] plain = new double[repetitions];
        double[] fast = new double[repetitions];
        double plainAccuracy = 0;
        double dpAccuracy = 0;
        DpSgdResult last = null;
        for (int r = 0; r < repetitions; r++) {
            MultiLayerNetwork a = preset.get();
            long t0 = System.nanoTime();
            LocalTrainer.train(a, train, plan);
            plain[r] = millisPerEpoch(t0, epochs);
            plainAccuracy = Evaluator.evaluate(a, test).accuracy();

            MultiLayerNetwork b = preset.get();
            long t1 = System.nanoTime();
            last = DpSgdTrainer.train(b, train, plan, dp, noise);
            fast[r] = millisPerEpoch(t1, epochs);
            dpAccuracy = Evaluator.evaluate(b, test).accuracy();
        }
        if (!last.vectorised()) {
            throw new IllegalStateException("the MLP preset did not take the vectorised path");
        }

        // The secure noise alone, for the breakdown: one draw of the gradient's size per step.
        float[] scratch = new float[initial.length];
        long t2 = System.nanoTime();
        for (long s = 0; s < dp.stepsPerEpoch() * epochs; s++) {
            noise.addGaussian(scratch, noiseMultiplier * clipNorm);
        }
        double noiseMillis = millisPerEpoch(t2, epochs);

        // The loop fallback is slow: one epoch, once.
        DpSgdPlan loopPlan = DpSgdPlan.matching(plan.withLocalEpochs(1), train.size(), noiseMultiplier, clipNorm);
        MultiLayerNetwork c = loopNet.get();
        long t3 = System.nanoTime();
        DpSgdResult loop = DpSgdTrainer.train(c, train, plan, loopPlan, noise);
        double loopMillis = millisPerEpoch(t3, 1);
        if (loop.vectorised()) {
            throw new IllegalStateException("the reference network unexpectedly took the vectorised path");
        }

        double plainMedian = median(plain);
        double fastMedian = median(fast);
        double plainBest = Arrays.stream(plain).min().orElseThrow();
        double fastBest = Arrays.stream(fast).min().orElseThrow();
        System.out.printf(
                Locale.ROOT,
                "non-private LocalTrainer       : median %7.2f, best %7.2f ms/epoch (runs: %s); test accuracy %.3f%n",
                plainMedian,
                plainBest,
                format(plain),
                plainAccuracy);
        System.out.printf(
                Locale.ROOT,
                "DP-SGD, vectorised per-example : median %7.2f, best %7.2f ms/epoch (runs: %s); test accuracy %.3f%n",
                fastMedian,
                fastBest,
                format(fast),
                dpAccuracy);
        System.out.printf(
                Locale.ROOT,
                "  of which secure lattice noise:        %7.2f ms/epoch (%d values per step, timed alone)%n",
                noiseMillis,
                initial.length);
        System.out.printf(
                Locale.ROOT, "DP-SGD, per-example loop (ref.):        %7.2f ms/epoch (1 run of 1 epoch)%n", loopMillis);
        double[] paired = new double[repetitions];
        for (int r = 0; r < repetitions; r++) {
            paired[r] = fast[r] / plain[r];
        }
        System.out.printf(
                Locale.ROOT,
                "slowdown vs non-private: vectorised %.2fx by best runs, %.2fx by medians, %.2fx median of"
                        + " paired runs (target <= 3x); loop fallback %.1fx (vectorised is %.1fx faster than the loop)%n",
                fastBest / plainBest,
                fastMedian / plainMedian,
                median(paired),
                loopMillis / plainBest,
                loopMillis / fastBest);
        System.out.printf(
                Locale.ROOT,
                "accountant charge per run (patient-level): sampled Gaussian q=%s,"
                        + " sigma=%s (requested %s), %d steps%n",
                last.samplingRate(),
                last.accountedNoiseMultiplier(),
                last.noiseMultiplier(),
                last.steps());
    }

    private static MultiLayerNetwork network(String configJson, float[] parameters) {
        MultiLayerNetwork net = new ModelSpec(configJson).newNetwork();
        ParameterVectors.write(net, parameters);
        return net;
    }

    private static String withThresholdedRelu(String configJson) {
        MultiLayerConfiguration conf = MultiLayerConfiguration.fromJson(configJson);
        List<NeuralNetConfiguration> layers = conf.getConfs();
        for (int i = 0; i < layers.size() - 1; i++) {
            ((BaseLayer) layers.get(i).getLayer()).setActivationFn(new ActivationThresholdedReLU(0.0));
        }
        return conf.toJson();
    }

    private static double millisPerEpoch(long startNanos, int epochs) {
        return (System.nanoTime() - startNanos) / 1e6 / epochs;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static String format(double[] values) {
        StringBuilder out = new StringBuilder();
        for (double v : values) {
            out.append(out.isEmpty() ? "" : " ").append(String.format(Locale.ROOT, "%.1f", v));
        }
        return out.toString();
    }
}
