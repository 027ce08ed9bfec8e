package org.cohort.simulation.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import org.cohort.learning.data.HeartDisease;
import org.cohort.learning.data.SyntheticImages;
import org.cohort.learning.data.TabularDataset;
import org.cohort.learning.model.ModelPreset;
import org.cohort.learning.model.ModelSpec;
import org.cohort.learning.model.Network;
import org.cohort.learning.model.Optimizer;
import org.cohort.learning.model.ParameterVectors;
import org.cohort.learning.model.TrainingPlan;
import org.cohort.learning.train.Evaluator;
import org.cohort.learning.train.LocalTrainer;
import org.cohort.protocol.transfer.TransferEncoding;
import org.cohort.simulation.CommandLines;
import org.cohort.simulation.virtual.Population;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Benchmark (not a test): what a study's transfer encoding costs in accuracy and saves in bytes.
 * FedAvg over the sites of two tasks — Heart Disease's four real centres (an MLP, 15 → 64 → 32 → 2)
 * and three sites of generated 16×16 images (the small CNN of {@link CnnDpSgdBenchmark}) — run with
 * float32, float16 and int8 transfer, the same seeds for all three. Each round every site downloads
 * the global model as the coordinator would send it ({@link TransferEncoding#roundTrip}: the codec
 * the coordinator and agents use), trains from the decoded copy, and uploads its delta relative to
 * it, encoded; the float32 global model moves by the weighted mean of the decoded deltas, as the
 * coordinator's FedAvg does. Bytes are the codec's exact payload sizes (scales included). Prints,
 * per task and encoding: bytes per round up and down, their ratio to float32, final pooled test
 * accuracy as mean ± sd over the seeds and its difference to float32 in percentage points.
 */
public final class CompactTransferBenchmark {
    private CompactTransferBenchmark() {}

    public static void main(String[] args) {
        CommandLines.exit(new Arguments(), args);
    }

    @Command(
            name = "./bench.sh CompactTransferBenchmark",
            mixinStandardHelpOptions = true,
            description = "FedAvg on Heart Disease (MLP) and generated images (small CNN) with float32, float16 and"
                    + " int8 transfer: bytes per round and final accuracy, against float32 in the same run.")
    static final class Arguments implements Callable<Integer> {
        @Option(
                names = "--seeds",
                defaultValue = "3",
                converter = BenchNumbers.PositiveInt.class,
                description = "seeds per encoding (default ${DEFAULT-VALUE})")
        int seeds;

        @Option(
                names = "--block-size",
                defaultValue = "256",
                converter = BenchNumbers.PositiveInt.class,
                description = "int8 values per scale (default ${DEFAULT-VALUE})")
        int blockSize;

        @Option(
                names = "--heart-rounds",
                defaultValue = "15",
                converter = BenchNumbers.PositiveInt.class,
                description = "Heart Disease rounds (default ${DEFAULT-VALUE})")
        int heartRounds;

        @Option(
                names = "--cnn-rounds",
                defaultValue = "5",
                converter = BenchNumbers.PositiveInt.class,
                description = "CNN rounds (default ${DEFAULT-VALUE})")
        int cnnRounds;

        @Option(
                names = "--data",
                paramLabel = "DIR",
                description = "the fed-heart-disease directory (default: found as the demo finds it)")
        Path data;

        @Override
        public Integer call() throws IOException {
            List<TransferEncoding> encodings = List.of(
                    TransferEncoding.Float32.INSTANCE,
                    TransferEncoding.Float16.INSTANCE,
                    new TransferEncoding.Int8Blocks(blockSize));
            Path dir = data != null ? data : Population.locateHeartDisease().orElse(null);
            if (dir == null) {
                System.out.println("Heart Disease not found (give --data DIR); running the CNN task only");
            } else {
                run("Heart Disease, 4 centres, MLP 64-32", heart(dir), heartRounds, encodings, seeds);
            }
            run("generated 16x16 images, 3 sites, CNN", images(), cnnRounds, encodings, seeds);
            return 0;
        }
    }

    /** One federated task: a model and its sites' rows, built for a seed. */
    interface Task {
        Federation build(long seed);
    }

    /** The model configuration, the sites' training rows and the pooled held-out rows. */
    record Federation(String configJson, List<TabularDataset> sites, TabularDataset test, TrainingPlan plan) {}

    static Task heart(Path dir) throws IOException {
        var centres = new ArrayList<TabularDataset>();
        for (String centre : HeartDisease.centres()) {
            centres.add(HeartDisease.load(HeartDisease.file(dir, centre)).dataset());
        }
        return seed -> {
            var rnd = new Random(seed);
            var train = new ArrayList<TabularDataset>();
            var test = new ArrayList<TabularDataset>();
            for (TabularDataset c : centres) {
                int[] order = shuffled(c.size(), rnd);
                int held = (int) Math.round(c.size() * Population.TEST_FRACTION);
                test.add(c.select(java.util.Arrays.copyOf(order, held)));
                train.add(c.select(java.util.Arrays.copyOfRange(order, held, order.length)));
            }
            TrainingPlan plan = new TrainingPlan(2, 32, Optimizer.ADAM, 0.01, seed);
            String config = ModelPreset.mlp(64, 32)
                    .configJson(centres.get(0).numFeatures(), centres.get(0).numClasses(), plan);
            return new Federation(config, train, TabularDataset.concat(test), plan);
        };
    }

    static Task images() {
        var format = SyntheticImages.format(CnnDpSgdBenchmark.SIDE, 1, CnnDpSgdBenchmark.CLASSES);
        return seed -> {
            var sites = new ArrayList<TabularDataset>();
            for (int s = 0; s < 3; s++) {
                sites.add(SyntheticImages.dataset(200, format, seed * 100 + s));
            }
            TrainingPlan plan = new TrainingPlan(1, 32, Optimizer.ADAM, 0.003, seed);
            return new Federation(
                    CnnDpSgdBenchmark.plainCnn(), sites, SyntheticImages.dataset(300, format, seed * 100 + 99), plan);
        };
    }

    /** Final accuracy and bytes of one FedAvg run. */
    record Outcome(double accuracy, long parameters) {}

    static void run(String name, Task task, int rounds, List<TransferEncoding> encodings, int seeds) {
        double[][] accuracy = new double[encodings.size()][seeds];
        long parameters = 0;
        int sites = 0;
        for (int s = 0; s < seeds; s++) {
            Federation f = task.build(s + 1);
            sites = f.sites().size();
            for (int e = 0; e < encodings.size(); e++) {
                Outcome o = fedAvg(f, rounds, encodings.get(e));
                accuracy[e][s] = o.accuracy();
                parameters = o.parameters();
            }
        }
        System.out.printf(
                Locale.ROOT,
                "%n%s: %d parameters, %d sites, %d rounds, %d seeds (1..%d), FedAvg%n",
                name,
                parameters,
                sites,
                rounds,
                seeds,
                seeds);
        System.out.printf(
                Locale.ROOT,
                "%-10s %14s %14s %9s %18s %12s%n",
                "encoding",
                "up B/round",
                "down B/round",
                "vs f32",
                "accuracy mean±sd",
                "vs f32 (pp)");
        double baseline = mean(accuracy[0]);
        long f32 = encodings.get(0).encodedBytes(parameters);
        for (int e = 0; e < encodings.size(); e++) {
            TransferEncoding enc = encodings.get(e);
            long perSite = enc.encodedBytes(parameters);
            System.out.printf(
                    Locale.ROOT,
                    "%-10s %14d %14d %8.2f%% %11.2f%% ± %4.2f %+11.2f%n",
                    enc instanceof TransferEncoding.Int8Blocks b ? "int8/" + b.blockSize() : enc.word(),
                    perSite * sites,
                    perSite * sites,
                    100.0 * perSite / f32,
                    100 * mean(accuracy[e]),
                    100 * sd(accuracy[e]),
                    100 * (mean(accuracy[e]) - baseline));
        }
    }

    /** FedAvg for {@code rounds} rounds, every model download and update through {@code encoding}. */
    static Outcome fedAvg(Federation f, int rounds, TransferEncoding encoding) {
        ModelSpec spec = new ModelSpec(f.configJson());
        float[] global = ParameterVectors.initialParameters(
                spec.normalisedJson(), f.plan().seed());
        Network net = spec.build();
        for (int r = 1; r <= rounds; r++) {
            // What every site receives: the current float32 model, encoded and decoded.
            float[] received = TransferEncoding.roundTrip(encoding, global);
            double[] sum = new double[global.length];
            long weight = 0;
            for (int s = 0; s < f.sites().size(); s++) {
                TabularDataset rows = f.sites().get(s);
                ParameterVectors.write(net, received);
                // The coordinator's per-round seed (TaskFactory), varied per site.
                LocalTrainer.train(net, rows, f.plan().withSeed(f.plan().seed() * 1_000_003L + r * 31L + s));
                float[] local = ParameterVectors.read(net);
                float[] delta = new float[local.length];
                for (int i = 0; i < delta.length; i++) {
                    delta[i] = local[i] - received[i];
                }
                float[] sent = TransferEncoding.roundTrip(encoding, delta);
                for (int i = 0; i < sent.length; i++) {
                    sum[i] += (double) rows.size() * sent[i];
                }
                weight += rows.size();
            }
            for (int i = 0; i < global.length; i++) {
                global[i] += (float) (sum[i] / weight);
            }
        }
        ParameterVectors.write(net, global);
        return new Outcome(Evaluator.evaluate(net, f.test()).accuracy(), global.length);
    }

    private static int[] shuffled(int n, Random rnd) {
        var order = new ArrayList<Integer>(
                java.util.stream.IntStream.range(0, n).boxed().toList());
        java.util.Collections.shuffle(order, rnd);
        return order.stream().mapToInt(Integer::intValue).toArray();
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    private static double sd(double[] v) {
        if (v.length < 2) {
            return 0;
        }
        double m = mean(v);
        double s = 0;
        for (double x : v) {
            s += (x - m) * (x - m);
        }
        return Math.sqrt(s / (v.length - 1));
    }
}
