package org.cohort.simulation.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.cohort.learning.data.ImageFormat;
import org.cohort.learning.data.SyntheticImages;
import org.cohort.learning.data.TabularDataset;
import org.cohort.learning.dp.DpSgdPlan;
import org.cohort.learning.dp.DpSgdResult;
import org.cohort.learning.dp.DpSgdTrainer;
import org.cohort.learning.dp.SecureGaussianNoise;
import org.cohort.learning.model.ModelSpec;
import org.cohort.learning.model.Network;
import org.cohort.learning.model.Optimizer;
import org.cohort.learning.model.ParameterVectors;
import org.cohort.learning.model.TrainingPlan;
import org.cohort.learning.train.Evaluator;
import org.cohort.learning.train.LocalTrainer;
import org.cohort.simulation.CommandLines;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * Benchmark (not a test): the cost of patient-level DP on a small CNN. Trains the same network on
 * the same 16×16 grayscale images ({@link SyntheticImages}, three classes) without privacy
 * ({@link LocalTrainer}, mini-batches of the expected batch size) and with {@link DpSgdTrainer}
 * (Poisson batches of that expected size, per-example clipping, secure noise), and prints time per
 * epoch and the slowdown, for two models: a MultiLayerNetwork (conv 3×3×8, max-pool, dense 32,
 * softmax) and the README's residual ComputationGraph ({@code docs/models/image-residual-cnn.json}:
 * two convolutions added by an ElementWiseVertex, pool, dense, softmax). Both take DP-SGD's batched
 * per-example engine (one forward and backward pass per step; before it, the per-example loop took
 * 8.3× and 3.4× the non-private time here); the aim is at most 3×.
 *
 * <p>Arguments (all optional, in this order): training images (default 600), expected batch size
 * (32), epochs per timed run (2), timed repetitions (3).
 */
public final class CnnDpSgdBenchmark {
    static final int SIDE = 16;
    static final List<String> CLASSES = List.of("angle-0", "angle-60", "angle-120");

    private CnnDpSgdBenchmark() {}

    public static void main(String[] args) {
        CommandLines.exit(new Arguments(), args);
    }

    @Command(
            name = "./bench.sh CnnDpSgdBenchmark",
            mixinStandardHelpOptions = true,
            description = "The cost of patient-level DP on a small CNN: time per epoch without privacy and with"
                    + " DP-SGD (same images, epochs and expected batch size), and the slowdown.")
    static final class Arguments implements Callable<Integer> {
        @Parameters(
                index = "0",
                arity = "0..1",
                paramLabel = "IMAGES",
                defaultValue = "600",
                converter = BenchNumbers.PositiveInt.class,
                description = "training images (default ${DEFAULT-VALUE})")
        int images;

        @Parameters(
                index = "1",
                arity = "0..1",
                paramLabel = "BATCH",
                defaultValue = "32",
                converter = BenchNumbers.PositiveInt.class,
                description = "expected batch size (default ${DEFAULT-VALUE})")
        int batch;

        @Parameters(
                index = "2",
                arity = "0..1",
                paramLabel = "EPOCHS",
                defaultValue = "2",
                converter = BenchNumbers.PositiveInt.class,
                description = "epochs per timed run (default ${DEFAULT-VALUE})")
        int epochs;

        @Parameters(
                index = "3",
                arity = "0..1",
                paramLabel = "RUNS",
                defaultValue = "3",
                converter = BenchNumbers.PositiveInt.class,
                description = "timed repetitions (default ${DEFAULT-VALUE})")
        int repetitions;

        @Override
        public Integer call() {
            ImageFormat format = SyntheticImages.format(SIDE, 1, CLASSES);
            TabularDataset train = SyntheticImages.dataset(images, format, 1);
            TabularDataset test = SyntheticImages.dataset(300, format, 2);
            TrainingPlan plan = new TrainingPlan(epochs, batch, Optimizer.ADAM, 0.003, 1);
            System.out.printf(
                    Locale.ROOT,
                    "CNN DP-SGD benchmark: %d training images %dx%d grayscale, %d classes; expected batch %d;"
                            + " sigma=1.0, C=1.0; Adam lr=%.3f; %d epochs per run, %d runs%n",
                    images,
                    SIDE,
                    SIDE,
                    CLASSES.size(),
                    batch,
                    plan.learningRate(),
                    epochs,
                    repetitions);
            measure("MultiLayerNetwork conv-pool-dense", plainCnn(), train, test, plan, repetitions);
            measure("ComputationGraph residual CNN (README)", readmeCnn(), train, test, plan, repetitions);
            return 0;
        }
    }

    static void measure(
            String name, String configJson, TabularDataset train, TabularDataset test, TrainingPlan plan, int runs) {
        ModelSpec spec = new ModelSpec(configJson);
        float[] initial = ParameterVectors.initialParameters(spec.normalisedJson(), 1);
        DpSgdPlan dp = DpSgdPlan.matching(plan, train.size(), 1.0, 1.0);
        SecureGaussianNoise noise = SecureGaussianNoise.create();
        // Warm-up: the JIT and ND4J's first calls.
        LocalTrainer.train(network(spec, initial), train, plan.withLocalEpochs(1));
        DpSgdTrainer.train(
                network(spec, initial),
                train,
                plan,
                DpSgdPlan.matching(plan.withLocalEpochs(1), train.size(), 1.0, 1.0),
                noise);
        double[] plain = new double[runs];
        double[] dpsgd = new double[runs];
        double plainAccuracy = 0;
        double dpAccuracy = 0;
        DpSgdResult last = null;
        for (int r = 0; r < runs; r++) {
            Network a = network(spec, initial);
            long t0 = System.nanoTime();
            LocalTrainer.train(a, train, plan);
            plain[r] = (System.nanoTime() - t0) / 1e6 / plan.localEpochs();
            plainAccuracy = Evaluator.evaluate(a, test).accuracy();
            Network b = network(spec, initial);
            long t1 = System.nanoTime();
            last = DpSgdTrainer.train(b, train, plan, dp, noise);
            dpsgd[r] = (System.nanoTime() - t1) / 1e6 / plan.localEpochs();
            dpAccuracy = Evaluator.evaluate(b, test).accuracy();
        }
        double plainBest = Arrays.stream(plain).min().orElseThrow();
        double dpBest = Arrays.stream(dpsgd).min().orElseThrow();
        System.out.printf(
                Locale.ROOT,
                "%s, %d parameters:%n  non-private : best %8.1f ms/epoch (runs %s); test accuracy %.3f%n"
                        + "  DP-SGD (%s): best %8.1f ms/epoch (runs %s); test accuracy %.3f%n"
                        + "  DP-SGD / non-private: %.1fx (best runs), aim <= 3x%n",
                name,
                initial.length,
                plainBest,
                Arrays.toString(round(plain)),
                plainAccuracy,
                last.vectorised() ? "vectorised" : "per-example loop",
                dpBest,
                Arrays.toString(round(dpsgd)),
                dpAccuracy,
                dpBest / plainBest);
    }

    private static long[] round(double[] values) {
        return Arrays.stream(values).mapToLong(Math::round).toArray();
    }

    private static Network network(ModelSpec spec, float[] initial) {
        Network net = spec.build();
        ParameterVectors.write(net, initial);
        return net;
    }

    /** Conv 3×3×8 (same padding), max-pool 2×2, dense 32, softmax over the classes. */
    static String plainCnn() {
        return new NeuralNetConfiguration.Builder()
                .seed(42)
                .dataType(DataType.FLOAT)
                .list()
                .layer(new ConvolutionLayer.Builder(3, 3)
                        .nOut(8)
                        .convolutionMode(org.deeplearning4j.nn.conf.ConvolutionMode.Same)
                        .activation(Activation.RELU)
                        .build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
                        .kernelSize(2, 2)
                        .stride(2, 2)
                        .build())
                .layer(new DenseLayer.Builder()
                        .nOut(32)
                        .activation(Activation.RELU)
                        .build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT)
                        .nOut(CLASSES.size())
                        .activation(Activation.SOFTMAX)
                        .build())
                .setInputType(InputType.convolutionalFlat(SIDE, SIDE, 1))
                .build()
                .toJson();
    }

    /** The README's residual CNN, read from {@code docs/models} (run from the project or a module). */
    static String readmeCnn() {
        for (Path p : List.of(
                Path.of("docs", "models", "image-residual-cnn.json"),
                Path.of("..", "docs", "models", "image-residual-cnn.json"))) {
            if (Files.isRegularFile(p)) {
                try {
                    return Files.readString(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        throw new IllegalStateException("docs/models/image-residual-cnn.json not found; run from the project's root");
    }
}
