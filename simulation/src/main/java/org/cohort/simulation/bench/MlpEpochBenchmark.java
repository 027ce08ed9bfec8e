package org.cohort.simulation.bench;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;
import org.cohort.learning.data.SplitData;
import org.cohort.learning.data.TabularDataset;
import org.cohort.learning.model.ModelPreset;
import org.cohort.learning.model.ModelSpec;
import org.cohort.learning.model.Optimizer;
import org.cohort.learning.model.ParameterVectors;
import org.cohort.learning.model.TrainingPlan;
import org.cohort.learning.train.LocalTrainer;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Benchmark (not a test): where a plain DL4J epoch of the small MLP goes, against a hand-written
 * Java reference of the same computation (dense ReLU layer, softmax output, mean cross-entropy,
 * plain SGD, same batches) measured in the same run. Wall time and the process's CPU time (ND4J
 * runs native OpenMP threads, which this thread's CPU time would miss). Options: rows per site
 * (default 1000), hidden width (32), batch (64), epochs per run (5), runs (7).
 */
public final class MlpEpochBenchmark {
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private MlpEpochBenchmark() {}

    record Timing(double wallMs, double cpuMs) {}

    public static void main(String[] args) {
        int rowsPerSite = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int hidden = args.length > 1 ? Integer.parseInt(args[1]) : 32;
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        int epochs = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        int runs = args.length > 4 ? Integer.parseInt(args[4]) : 7;

        SplitData split = DpSgdBenchmark.threeHospitals(rowsPerSite);
        TabularDataset train = split.train();
        TrainingPlan plan = new TrainingPlan(1, batch, Optimizer.SGD, 0.1, 1);
        String configJson = ModelPreset.mlp(hidden).configJson(train.numFeatures(), 2, plan);
        float[] initial = ParameterVectors.initialParameters(configJson, 1);
        int steps = (train.size() + batch - 1) / batch;
        System.out.printf(
                Locale.ROOT,
                "MLP epoch benchmark: mlp(%d), %d parameters, %d rows x %d features, batch %d (%d steps per epoch),"
                        + " SGD lr 0.1; %d epochs per run, median of %d runs; %d processors%n",
                hidden,
                initial.length,
                train.size(),
                train.numFeatures(),
                batch,
                steps,
                epochs,
                runs,
                Runtime.getRuntime().availableProcessors());

        // The batches of one epoch, built once (for the variants that time fit alone).
        int[] order = new int[train.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        List<int[]> batches = new ArrayList<>();
        for (int start = 0; start < order.length; start += batch) {
            batches.add(Arrays.copyOfRange(order, start, Math.min(order.length, start + batch)));
        }
        List<DataSet> prebuilt =
                batches.stream().map(b -> train.select(b).toDataSet()).toList();

        Runnable trainer = () -> {
            MultiLayerNetwork net = network(configJson, initial);
            for (int e = 0; e < epochs; e++) {
                LocalTrainer.train(net, train, plan);
            }
        };
        Runnable buildBatches = () -> {
            for (int e = 0; e < epochs; e++) {
                for (int[] b : batches) {
                    train.select(b).toDataSet();
                }
            }
        };
        Runnable fitOnly = () -> fitAll(network(configJson, initial), prebuilt, epochs, false);
        Runnable fitNoWorkspace = () -> {
            MultiLayerNetwork net = network(configJson, initial);
            net.getLayerWiseConfigurations().setTrainingWorkspaceMode(WorkspaceMode.NONE);
            net.getLayerWiseConfigurations().setInferenceWorkspaceMode(WorkspaceMode.NONE);
            fitAll(net, prebuilt, epochs, false);
        };
        Runnable fitScore = () -> fitAll(network(configJson, initial), prebuilt, epochs, true);
        Runnable reference = () -> {
            var mlp = new ReferenceMlp(train.numFeatures(), hidden, 2, initial);
            for (int e = 0; e < epochs; e++) {
                for (int[] b : batches) {
                    mlp.step(train, b, 0.1f);
                }
            }
        };
        // Warm-up: the JIT and ND4J's first-use initialisation.
        for (int w = 0; w < 3; w++) {
            trainer.run();
            fitOnly.run();
            fitNoWorkspace.run();
            reference.run();
            buildBatches.run();
        }
        String[] names = {
            "LocalTrainer.train (one ND4J thread for small nets)",
            "  building the batches alone (select + toDataSet)",
            "  net.fit on prebuilt batches (threads as set)",
            "  net.fit + net.score() per batch",
            "  net.fit, workspaces NONE",
            "hand-written Java reference (same math)"
        };
        Runnable[] variants = {trainer, buildBatches, fitOnly, fitScore, fitNoWorkspace, reference};
        int defaultThreads = org.nd4j.linalg.factory.Nd4j.getEnvironment().maxThreads();
        for (int threads : new int[] {defaultThreads, 1}) {
            org.nd4j.linalg.factory.Nd4j.getEnvironment().setMaxThreads(threads);
            org.nd4j.linalg.factory.Nd4j.getEnvironment().setMaxMasterThreads(threads);
            for (int w = 0; w < 2; w++) {
                trainer.run();
                fitOnly.run();
            }
            double[][] wall = new double[variants.length][runs];
            double[][] cpu = new double[variants.length][runs];
            for (int r = 0; r < runs; r++) {
                for (int v = 0; v < variants.length; v++) {
                    Timing t = time(variants[v], epochs);
                    wall[v][r] = t.wallMs();
                    cpu[v][r] = t.cpuMs();
                }
            }
            double refWall = BenchNumbers.median(wall[variants.length - 1]);
            double refCpu = BenchNumbers.median(cpu[variants.length - 1]);
            System.out.printf(
                    Locale.ROOT,
                    "%nND4J max threads %d (env OMP_NUM_THREADS=%s)%n%-52s %12s %12s %10s %10s%n",
                    threads,
                    System.getenv("OMP_NUM_THREADS"),
                    "ms per epoch",
                    "wall",
                    "process cpu",
                    "x ref wall",
                    "x ref cpu");
            for (int v = 0; v < variants.length; v++) {
                double w = BenchNumbers.median(wall[v]);
                double c = BenchNumbers.median(cpu[v]);
                System.out.printf(
                        Locale.ROOT, "%-52s %12.2f %12.2f %10.1f %10.1f%n", names[v], w, c, w / refWall, c / refCpu);
            }
            System.out.printf(
                    Locale.ROOT,
                    "per step: LocalTrainer %.1f us, reference %.1f us (wall)%n",
                    BenchNumbers.median(wall[0]) * 1000 / steps,
                    refWall * 1000 / steps);
        }
    }

    private static void fitAll(MultiLayerNetwork net, List<DataSet> batches, int epochs, boolean score) {
        double sink = 0;
        for (int e = 0; e < epochs; e++) {
            for (DataSet b : batches) {
                net.fit(b);
                if (score) {
                    sink += net.score();
                }
            }
        }
        if (Double.isNaN(sink)) {
            System.out.print("");
        }
    }

    private static Timing time(Runnable r, int epochs) {
        LongSupplier cpu = OS::getProcessCpuTime;
        long c0 = cpu.getAsLong();
        long t0 = System.nanoTime();
        r.run();
        return new Timing((System.nanoTime() - t0) / 1e6 / epochs, (cpu.getAsLong() - c0) / 1e6 / epochs);
    }

    private static MultiLayerNetwork network(String configJson, float[] parameters) {
        MultiLayerNetwork net = new ModelSpec(configJson).newNetwork();
        ParameterVectors.write(net, parameters);
        return net;
    }

    /**
     * One ReLU hidden layer and a softmax output trained with mean cross-entropy and plain SGD, on
     * float arrays: the computation DL4J's {@code fit} does for this network, without its framework.
     * Parameters are laid out as DL4J's flattened vector: W1 (in x hidden, column-major 'f'), b1,
     * W2 (hidden x out), b2; only the amount of work matters here, not the layout.
     */
    static final class ReferenceMlp {
        final int in;
        final int hidden;
        final int out;
        final float[] w1;
        final float[] b1;
        final float[] w2;
        final float[] b2;
        // scratch, sized for batches up to 1024
        final float[] z1;
        final float[] z2;
        final float[] dz1;
        final float[] gw1;
        final float[] gw2;
        final float[] gb1;
        final float[] gb2;

        ReferenceMlp(int in, int hidden, int out, float[] params) {
            this.in = in;
            this.hidden = hidden;
            this.out = out;
            int at = 0;
            w1 = Arrays.copyOfRange(params, at, at += in * hidden);
            b1 = Arrays.copyOfRange(params, at, at += hidden);
            w2 = Arrays.copyOfRange(params, at, at += hidden * out);
            b2 = Arrays.copyOfRange(params, at, at + out);
            z1 = new float[1024 * hidden];
            z2 = new float[1024 * out];
            dz1 = new float[1024 * hidden];
            gw1 = new float[in * hidden];
            gw2 = new float[hidden * out];
            gb1 = new float[hidden];
            gb2 = new float[out];
        }

        /** One SGD step on the rows {@code batch}; returns the batch's mean loss. */
        double step(TabularDataset data, int[] batch, float lr) {
            int n = batch.length;
            float[][] x = data.features();
            int[] labels = data.labels();
            double loss = 0;
            Arrays.fill(gw1, 0);
            Arrays.fill(gw2, 0);
            Arrays.fill(gb1, 0);
            Arrays.fill(gb2, 0);
            for (int r = 0; r < n; r++) {
                float[] row = x[batch[r]];
                int h0 = r * hidden;
                for (int h = 0; h < hidden; h++) {
                    z1[h0 + h] = b1[h];
                }
                for (int i = 0; i < in; i++) {
                    float xi = row[i];
                    int w0 = i * hidden;
                    for (int h = 0; h < hidden; h++) {
                        z1[h0 + h] += xi * w1[w0 + h];
                    }
                }
                for (int h = 0; h < hidden; h++) {
                    z1[h0 + h] = Math.max(0f, z1[h0 + h]);
                }
                int o0 = r * out;
                float max = Float.NEGATIVE_INFINITY;
                for (int o = 0; o < out; o++) {
                    float z = b2[o];
                    for (int h = 0; h < hidden; h++) {
                        z += z1[h0 + h] * w2[h * out + o];
                    }
                    z2[o0 + o] = z;
                    max = Math.max(max, z);
                }
                float sum = 0;
                for (int o = 0; o < out; o++) {
                    z2[o0 + o] = (float) Math.exp(z2[o0 + o] - max);
                    sum += z2[o0 + o];
                }
                for (int o = 0; o < out; o++) {
                    float p = z2[o0 + o] / sum;
                    loss -= o == labels[batch[r]] ? Math.log(p) : 0;
                    z2[o0 + o] = (p - (o == labels[batch[r]] ? 1f : 0f)) / n; // dL/dz2
                }
                // backward through the output layer
                for (int h = 0; h < hidden; h++) {
                    float a = z1[h0 + h];
                    float d = 0;
                    for (int o = 0; o < out; o++) {
                        float g = z2[o0 + o];
                        gw2[h * out + o] += a * g;
                        d += g * w2[h * out + o];
                    }
                    dz1[h0 + h] = a > 0 ? d : 0;
                }
                for (int o = 0; o < out; o++) {
                    gb2[o] += z2[o0 + o];
                }
                for (int i = 0; i < in; i++) {
                    float xi = row[i];
                    int w0 = i * hidden;
                    for (int h = 0; h < hidden; h++) {
                        gw1[w0 + h] += xi * dz1[h0 + h];
                    }
                }
                for (int h = 0; h < hidden; h++) {
                    gb1[h] += dz1[h0 + h];
                }
            }
            for (int k = 0; k < w1.length; k++) {
                w1[k] -= lr * gw1[k];
            }
            for (int k = 0; k < w2.length; k++) {
                w2[k] -= lr * gw2[k];
            }
            for (int k = 0; k < hidden; k++) {
                b1[k] -= lr * gb1[k];
            }
            for (int k = 0; k < out; k++) {
                b2[k] -= lr * gb2[k];
            }
            return loss / n;
        }
    }
}
