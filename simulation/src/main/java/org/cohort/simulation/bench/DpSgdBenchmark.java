package org.cohort.simulation.bench;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
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
import org.cohort.privacy.noise.DiscreteGaussianSampler;
import org.cohort.privacy.noise.Rational;
import org.cohort.privacy.noise.SecureNoiseSource;
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
 * of the secure noise alone is printed too (tens of nanoseconds per parameter per step, where the
 * exact sampler took microseconds), and it grows with the parameter count. Then the secure
 * noise's rate against the exact sampler it replaced (values per second, wall and CPU) and its
 * share of a DP-SGD step on an MLP of a million parameters. On a shared machine
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

        SplitData split = threeHospitals(rowsPerSite);
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

        double plainMedian = BenchNumbers.median(plain);
        double fastMedian = BenchNumbers.median(fast);
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
                BenchNumbers.median(paired),
                loopMillis / plainBest,
                loopMillis / fastBest);
        noiseAtScale(train, hospitalsPlan(plan), batch);
        System.out.printf(
                Locale.ROOT,
                "accountant charge per run (patient-level): sampled Gaussian q=%s,"
                        + " sigma=%s (requested %s), %d steps%n",
                last.samplingRate(),
                last.accountedNoiseMultiplier(),
                last.noiseMultiplier(),
                last.steps());
    }

    /** Three synthetic hospitals' rows, split 80/20 with a fixed key (benchmarks time training, not the split's secrecy). */
    static SplitData threeHospitals(int rowsPerSite) {
        SyntheticHospitals hospitals = SyntheticHospitals.generate(3, rowsPerSite, 2024);
        List<TabularDataset> sites = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
            sites.add(hospitals.dataset(s));
        }
        return TrainTestSplit.split(
                TabularDataset.concat(sites),
                RowKeys.content(),
                new SplitRule.Keyed(SplitKey.of(new byte[SplitKey.SECRET_BYTES]), 0.2, 7));
    }

    private static TrainingPlan hospitalsPlan(TrainingPlan plan) {
        return plan.withLocalEpochs(1);
    }

    /**
     * Secure noise at the scale of a real model: the tabulated sampler on an AES-CTR keystream
     * (what {@link SecureGaussianNoise} uses now) against the exact BigInteger sampler on the DRBG
     * (what it used before), both in this run, values per second by wall clock and by this thread's
     * CPU time; then the noise's share of a DP-SGD step on an MLP of about a million parameters.
     */
    private static void noiseAtScale(TabularDataset train, TrainingPlan plan, int batch) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        int params = 1 << 20;
        float[] vector = new float[params];
        SecureGaussianNoise noise = SecureGaussianNoise.create();
        // Before: snap + exact discrete Gaussian (CKS20, BigInteger) on the SP 800-90A DRBG, per value.
        int oldValues = 100_000;
        int k = SecureGaussianNoise.DEFAULT_GRANULARITY_EXPONENT;
        Rational sigmaOnGrid = Rational.exact(Math.scalb(1.0, k));
        DiscreteGaussianSampler exact =
                new DiscreteGaussianSampler(sigmaOnGrid.multiply(sigmaOnGrid), SecureNoiseSource.create());
        double[] oldWall = new double[3];
        double[] oldCpu = new double[3];
        double[] newWall = new double[5];
        double[] newCpu = new double[5];
        for (int w = 0; w < 3; w++) {
            noise.addGaussian(vector, 1.0);
            exactNoise(vector, oldValues / 10, exact, k);
        }
        for (int r = 0; r < 5; r++) {
            long c0 = threads.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            noise.addGaussian(vector, 1.0);
            newWall[r] = params / ((System.nanoTime() - t0) / 1e9);
            newCpu[r] = params / ((threads.getCurrentThreadCpuTime() - c0) / 1e9);
            if (r < 3) {
                c0 = threads.getCurrentThreadCpuTime();
                t0 = System.nanoTime();
                exactNoise(vector, oldValues, exact, k);
                oldWall[r] = oldValues / ((System.nanoTime() - t0) / 1e9);
                oldCpu[r] = oldValues / ((threads.getCurrentThreadCpuTime() - c0) / 1e9);
            }
        }
        double newBestCpu = Arrays.stream(newCpu).max().orElseThrow();
        System.out.printf(
                Locale.ROOT,
                "secure noise, values/s on one thread (grid 2^-%d, sigma 1): before (exact sampler, DRBG) %.3g wall /"
                        + " %.3g CPU; now (tabulated, AES-CTR) %.3g wall / %.3g CPU (medians; best CPU %.3g):"
                        + " %.0fx by CPU time%n",
                k,
                BenchNumbers.median(oldWall),
                BenchNumbers.median(oldCpu),
                BenchNumbers.median(newWall),
                BenchNumbers.median(newCpu),
                newBestCpu,
                BenchNumbers.median(newCpu) / BenchNumbers.median(oldCpu));

        // A DP-SGD step on ~1M parameters at the benchmark's batch: MLP(1000, 1000) on the same rows.
        String configJson = ModelPreset.mlp(1000, 1000).configJson(train.numFeatures(), 2, plan);
        float[] initial = ParameterVectors.initialParameters(configJson, 1);
        int rows = Math.min(train.size(), 10 * batch);
        TabularDataset subset =
                train.select(java.util.stream.IntStream.range(0, rows).toArray());
        DpSgdPlan dp = DpSgdPlan.matching(plan, subset.size(), 1.0, 1.0);
        DpSgdTrainer.train(network(configJson, initial), subset, plan, dp, noise); // warm-up
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long p0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        DpSgdResult result = DpSgdTrainer.train(network(configJson, initial), subset, plan, dp, noise);
        double stepWall = (System.nanoTime() - t0) / 1e6 / result.steps();
        double stepCpu = (os.getProcessCpuTime() - p0) / 1e6 / result.steps();
        float[] scratch = new float[initial.length];
        long c0 = threads.getCurrentThreadCpuTime();
        long t1 = System.nanoTime();
        for (int s = 0; s < result.steps(); s++) {
            noise.addGaussian(scratch, 1.0);
        }
        double noiseWall = (System.nanoTime() - t1) / 1e6 / result.steps();
        double noiseCpu = (threads.getCurrentThreadCpuTime() - c0) / 1e6 / result.steps();
        double oldNoiseCpu = initial.length / BenchNumbers.median(oldCpu) * 1e3;
        System.out.printf(
                Locale.ROOT,
                "DP-SGD step, MLP(1000,1000) = %d parameters, batch %d: %.1f ms wall / %.1f ms CPU per step; noise"
                        + " %.1f ms wall / %.1f ms CPU = %.0f%% of the step by CPU (%.0f%% by wall; target <= 20%%);"
                        + " the exact sampler would take %.0f ms CPU per step%n",
                initial.length,
                batch,
                stepWall,
                stepCpu,
                noiseWall,
                noiseCpu,
                100 * noiseCpu / stepCpu,
                100 * noiseWall / stepWall,
                oldNoiseCpu);
    }

    private static void exactNoise(float[] values, int count, DiscreteGaussianSampler exact, int k) {
        for (int i = 0; i < count; i++) {
            double units = Math.rint(Math.scalb((double) values[i], k));
            values[i] = (float) Math.scalb(units + exact.sample(), -k);
        }
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

    private static String format(double[] values) {
        StringBuilder out = new StringBuilder();
        for (double v : values) {
            out.append(out.isEmpty() ? "" : " ").append(String.format(Locale.ROOT, "%.1f", v));
        }
        return out.toString();
    }
}
