package org.cohort.simulation.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.cohort.coordinator.aggregation.FedAvg;
import org.cohort.coordinator.aggregation.MappedWeightedSum;
import org.cohort.coordinator.aggregation.MappedWeightedSum.UpdateFile;
import org.cohort.coordinator.aggregation.Strategy;
import org.cohort.coordinator.aggregation.WeightedSum;
import org.cohort.coordinator.registry.ModelFiles;
import org.cohort.coordinator.round.PartialSums;
import org.cohort.protocol.ProtocolLimits;
import org.cohort.simulation.CommandLines;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Benchmark (not a test): FedAvg aggregation against this machine's memory bandwidth, and one
 * full round of a large model with the coordinator's heap use.
 *
 * <ol>
 *   <li>Memory bandwidth, measured in the same run between the folds: a large on-heap array copy
 *       (bytes read plus bytes written per second), a read-only sum and an in-place add (the fold's
 *       access pattern), best of several repetitions.
 *   <li>Fold throughput of {@link WeightedSum#addChunk} (heap double[]), {@link
 *       MappedWeightedSum#addChunk}, {@link MappedWeightedSum#addUpdateFile} and the one-pass
 *       {@link MappedWeightedSum#addUpdateFiles}, on update files already in the page cache, as
 *       update bytes per second and as memory traffic per second next to the bandwidth. A float64
 *       read-modify-write moves 20 B of memory per 4 B float32 update value, so update bytes can
 *       never reach half the bandwidth; the traffic ratio is the figure that can.
 *   <li>One round: the sites' update files and the global model written to a temporary directory,
 *       then the one-pass fold of all sites and the next global model written, timed separately,
 *       with the peak heap of the round, the -Xmx and the temporary disk used; then the same round
 *       through the coordinator's own classes (each upload folded into a memory-mapped {@link
 *       PartialSums} as it arrives, the driver's chunked merge writing the next model).
 * </ol>
 *
 * <p>Options ({@code --help} lists them): {@code --params 50000000} (the round's model size; {@code
 * 1000000000} is the 1B-parameter case, about 26 GiB of temporary disk for 3 sites), {@code
 * --sites 3}, {@code --repeats 7}, {@code --dir <java.io.tmpdir>}. The throughput part runs at
 * min(params, 50M).
 * Single-threaded throughout, like the bandwidth baseline. Run with the simulation classpath:
 * {@code java --sun-misc-unsafe-memory-access=allow -Xmx1g -cp <cp>
 * org.cohort.simulation.bench.AggregationBenchmark --params 1000000000}, or {@code
 * BENCH_JVM_ARGS=-Xmx1g ./bench.sh AggregationBenchmark --params 1000000000}.
 */
public final class AggregationBenchmark {

    private static final long DEFAULT_PARAMETERS = 50_000_000L;
    private static final long MAX_THROUGHPUT_PARAMETERS = 50_000_000L;
    /** Examples behind each site's update: FedAvg weights, different per site. */
    private static final long BASE_WEIGHT = 1_000;

    private static final int GENERATE_BLOCK = 1 << 20;
    private static final double GB = 1e9;
    private static final double MIB = 1 << 20;

    private AggregationBenchmark() {}

    /** Memory bandwidth baseline, bytes per second. */
    private record Bandwidth(
            double copyBest,
            double copyMedian,
            double readBest,
            double readMedian,
            double addBest,
            double addMedian,
            long arrayBytes) {
        /** The strongest baseline: ratios against it are the conservative ones. */
        double best() {
            return Math.max(copyBest, Math.max(readBest, addBest));
        }
    }

    /** One fold variant's measurements: seconds per fold of all sites. */
    private record Fold(String name, String how, double trafficPerValue, double first, double best, double median) {}

    public static void main(String[] args) {
        CommandLines.exit(new Arguments(), args);
    }

    /** The command line ({@code ./bench.sh AggregationBenchmark --help}): the round's size and where it goes. */
    @Command(
            name = "./bench.sh AggregationBenchmark",
            mixinStandardHelpOptions = true,
            description = "FedAvg aggregation against this machine's memory bandwidth, then one full round of a"
                    + " large model with the coordinator's heap use. Single-threaded throughout.")
    static final class Arguments implements Callable<Integer> {
        @Option(
                names = "--params",
                paramLabel = "N",
                defaultValue = "" + DEFAULT_PARAMETERS,
                converter = BenchNumbers.PositiveLong.class,
                description = {
                    "the round's model size (default"
                            + " ${DEFAULT-VALUE}); 1000000000 is the 1B-parameter case, about 26 GiB of temporary disk"
                            + " for 3 sites",
                    "the throughput part runs at min(params, " + MAX_THROUGHPUT_PARAMETERS + ")"
                })
        long parameters;

        @Option(
                names = "--sites",
                paramLabel = "N",
                defaultValue = "3",
                converter = BenchNumbers.PositiveInt.class,
                description = "sites of the round (default ${DEFAULT-VALUE})")
        int sites;

        @Option(
                names = "--repeats",
                paramLabel = "N",
                defaultValue = "7",
                converter = BenchNumbers.PositiveInt.class,
                description = "repetitions of each throughput measurement (default ${DEFAULT-VALUE})")
        int repeats;

        @Option(
                names = "--dir",
                paramLabel = "DIR",
                defaultValue = "${sys:java.io.tmpdir}",
                description = "where the temporary files go (default ${DEFAULT-VALUE})")
        Path base;

        @Override
        public Integer call() throws IOException {
            run(parameters, sites, repeats, base);
            return 0;
        }
    }

    private static void run(long parameters, int sites, int repeats, Path base) throws IOException {
        long start = System.nanoTime();
        System.out.printf(
                Locale.ROOT,
                "Aggregation benchmark: %s parameters x %d sites; %s, %d processors, %s RAM,"
                        + " max heap %s (%s); temporary files in %s%n",
                count(parameters),
                sites,
                System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors(),
                size(physicalMemory()),
                size(Runtime.getRuntime().maxMemory()),
                xmx(),
                base.toAbsolutePath());

        Path work = Files.createTempDirectory(base, "cohort-agg-bench-");
        Thread cleanup = new Thread(() -> deleteTree(work)); // also on Ctrl-C: the round leaves tens of GB
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            long throughputParameters = Math.min(parameters, MAX_THROUGHPUT_PARAMETERS);
            Measured measured = measureFolds(work.resolve("throughput"), throughputParameters, sites, repeats);
            System.gc(); // the heap sum and the bandwidth arrays are garbage now, not part of the round
            printFolds(measured.bandwidth(), measured.folds(), throughputParameters, sites, repeats);
            runRound(work.resolve("round"), parameters, sites);
        } finally {
            deleteTree(work);
            Runtime.getRuntime().removeShutdownHook(cleanup);
        }
        System.out.printf(Locale.ROOT, "%nTotal benchmark time %.1f s%n", (System.nanoTime() - start) / 1e9);
    }

    // ---- (a) memory bandwidth -----------------------------------------------------------------

    /**
     * Copy: System.arraycopy of a large long[] (a streaming read plus a streaming write, counted
     * as both, as STREAM counts its copy; the write-allocate read of the target is not counted).
     * Read: a sum over it (the JIT vectorises the long reduction). Add: {@code b[i] += a[i]}, two
     * read streams and a write back of one of them, counted as 24 B per element: the access pattern
     * of the fold, which a single thread moves faster than a copy (no write-allocate read, more
     * reads in flight). Arrays of 128 MiB are four times the largest cache, so this is DRAM
     * bandwidth for one thread, as the fold uses one. Sampled once per repetition, between the
     * folds, so that load from other processes on a shared machine hits baseline and folds alike.
     */
    private static final class BandwidthProbe {
        private final long[] source;
        private final long[] target;
        private final long arrayBytes;
        private final List<Double> copy = new ArrayList<>();
        private final List<Double> read = new ArrayList<>();
        private final List<Double> add = new ArrayList<>();
        private long sink;

        BandwidthProbe() {
            arrayBytes = Math.min(128L << 20, Runtime.getRuntime().maxMemory() / 8) & ~7L;
            int length = (int) (arrayBytes / Long.BYTES);
            source = new long[length];
            target = new long[length];
            for (int i = 0; i < length; i++) {
                source[i] = i * 0x9E3779B97F4A7C15L;
            }
            for (int warm = 0; warm < 3; warm++) { // JIT and page faults, not recorded
                System.arraycopy(source, 0, target, 0, length);
                sink += sum(target);
                addInto(target, source);
            }
        }

        void sample() {
            long t = System.nanoTime();
            System.arraycopy(source, 0, target, 0, source.length);
            copy.add(2.0 * arrayBytes / ((System.nanoTime() - t) / 1e9));
            t = System.nanoTime();
            sink += sum(source);
            read.add(arrayBytes / ((System.nanoTime() - t) / 1e9));
            t = System.nanoTime();
            addInto(target, source);
            add.add(3.0 * arrayBytes / ((System.nanoTime() - t) / 1e9));
        }

        Bandwidth result() {
            double[] c = copy.stream().mapToDouble(Double::doubleValue).toArray();
            double[] r = read.stream().mapToDouble(Double::doubleValue).toArray();
            double[] d = add.stream().mapToDouble(Double::doubleValue).toArray();
            if (sink == 42 && target[0] == 42) {
                System.out.print(""); // keeps the sums alive
            }
            return new Bandwidth(max(c), median(c), max(r), median(r), max(d), median(d), arrayBytes);
        }

        private static void addInto(long[] target, long[] source) {
            for (int i = 0; i < target.length; i++) {
                target[i] += source[i];
            }
        }

        private static long sum(long[] values) {
            long s = 0;
            for (long v : values) {
                s += v;
            }
            return s;
        }
    }

    // ---- (b) fold throughput ------------------------------------------------------------------

    /** One way of folding all sites' updates, timed once per repetition. */
    private record Variant(String name, String how, double trafficPerValue, Work work, List<Double> seconds) {
        Variant(String name, String how, double trafficPerValue, Work work) {
            this(name, how, trafficPerValue, work, new ArrayList<>());
        }

        Fold fold() {
            double[] all = seconds.stream().mapToDouble(Double::doubleValue).toArray();
            double[] warm = all.length > 1 ? Arrays.copyOfRange(all, 1, all.length) : all;
            return new Fold(name, how, trafficPerValue, all[0], min(warm), median(warm));
        }
    }

    private record Measured(Bandwidth bandwidth, List<Fold> folds) {}

    private static Measured measureFolds(Path dir, long n, int sites, int repeats) throws IOException {
        Files.createDirectories(dir);
        System.out.printf(Locale.ROOT, "%nWarming up the JIT on 1M parameters (not reported)...%n");
        List<UpdateFile> warm = writeUpdates(dir, "warm", 1_000_000, sites, false);
        runFolds(dir, warm, 1_000_000, 3, null);
        deleteFiles(warm);

        System.out.printf(
                Locale.ROOT, "Writing %d update files of %s parameters for the throughput runs...%n", sites, count(n));
        List<UpdateFile> updates = writeUpdates(dir, "site", n, sites, false);
        BandwidthProbe probe = new BandwidthProbe();
        System.out.printf(
                Locale.ROOT,
                "Measuring: %d repetitions of [memory bandwidth (two %s arrays), then each fold"
                        + " variant folding all %d sites]...%n",
                repeats,
                size(probe.arrayBytes),
                sites);
        List<Fold> folds = runFolds(dir, updates, n, repeats, probe);
        deleteFiles(updates);
        return new Measured(probe.result(), folds);
    }

    private static List<Fold> runFolds(Path dir, List<UpdateFile> updates, long n, int repeats, BandwidthProbe probe)
            throws IOException {
        int sites = updates.size();
        List<Variant> variants = new ArrayList<>();
        // The heap double[] sum, only where the heap has room for it (as the coordinator today).
        if (n * Double.BYTES < Runtime.getRuntime().maxMemory() / 2) {
            WeightedSum heap = new WeightedSum((int) n);
            variants.add(new Variant(
                    "WeightedSum.addChunk",
                    "heap double[]; 256Ki-value chunks read from the spool" + " file as PartialSums.fold does",
                    20,
                    () -> {
                        for (UpdateFile u : updates) {
                            feedChunks(
                                    u, n, (offset, values, count) -> heap.addChunk(u.weight(), offset, values, count));
                            heap.completeContribution(u.weight());
                        }
                    }));
        } else if (probe != null) {
            System.out.printf(
                    Locale.ROOT,
                    "  skipped WeightedSum.addChunk: its %s double[] does not fit the heap%n",
                    size(n * Double.BYTES));
        }
        try (MappedWeightedSum chunked = new MappedWeightedSum(dir, n);
                MappedWeightedSum perFile = new MappedWeightedSum(dir, n);
                MappedWeightedSum onePass = new MappedWeightedSum(dir, n)) {
            variants.add(new Variant("MappedWeightedSum.addChunk", "mapped float64 file; the same chunks", 20, () -> {
                for (UpdateFile u : updates) {
                    feedChunks(u, n, (offset, values, count) -> chunked.addChunk(u.weight(), offset, values, count));
                    chunked.completeContribution(u.weight());
                }
            }));
            variants.add(new Variant(
                    "MappedWeightedSum.addUpdateFile", "each file mapped: check pass + fold", 24, () -> {
                        for (UpdateFile u : updates) {
                            perFile.addUpdateFile(u.weight(), u.file());
                        }
                    }));
            variants.add(new Variant(
                    "MappedWeightedSum.addUpdateFiles",
                    "all files: check passes + one fold pass over the" + " sum",
                    8 + 16.0 / sites,
                    () -> onePass.addUpdateFiles(updates)));
            for (int r = 0; r < repeats; r++) {
                if (probe != null) {
                    probe.sample();
                }
                for (Variant v : variants) {
                    long t = System.nanoTime();
                    v.work().run();
                    v.seconds().add((System.nanoTime() - t) / 1e9);
                }
                if (probe != null) {
                    System.out.printf(Locale.ROOT, "  repetition %d of %d done%n", r + 1, repeats);
                }
            }
        }
        return variants.stream().map(Variant::fold).toList();
    }

    private interface ChunkSink {
        void add(long offset, float[] values, int count) throws IOException;
    }

    private interface Work {
        void run() throws IOException;
    }

    /**
     * As {@code PartialSums.fold} feeds a {@link WeightedSum}: 256 Ki-value chunks read from
     * the spooled file (here into a direct buffer: one copy out of the page cache into a buffer
     * that stays in cache, then into the float[]), each added with addChunk.
     */
    private static void feedChunks(UpdateFile update, long n, ChunkSink sink) throws IOException {
        int chunk = ProtocolLimits.CHUNK_VALUES;
        ByteBuffer buffer = ByteBuffer.allocateDirect(chunk * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        FloatBuffer floats = buffer.asFloatBuffer();
        float[] values = new float[chunk];
        try (FileChannel in = FileChannel.open(update.file(), StandardOpenOption.READ)) {
            for (long offset = 0; offset < n; offset += chunk) {
                int count = (int) Math.min(chunk, n - offset);
                buffer.clear().limit(count * Float.BYTES);
                while (buffer.hasRemaining()) {
                    if (in.read(buffer, offset * Float.BYTES + buffer.position()) < 0) {
                        throw new IOException(update.file() + " ended early");
                    }
                }
                floats.get(0, values, 0, count);
                sink.add(offset, values, count);
            }
        }
    }

    private static void printFolds(Bandwidth bw, List<Fold> folds, long n, int sites, int repeats) {
        double updateBytes = (double) n * sites * Float.BYTES;
        System.out.println();
        System.out.printf(
                Locale.ROOT,
                "Memory bandwidth, one thread, %s arrays, best (median) of %d, sampled between" + " the folds:%n",
                size(bw.arrayBytes()),
                repeats);
        System.out.printf(
                Locale.ROOT,
                "  copy            %6.2f GB/s (%.2f)   System.arraycopy, read + write counted%n",
                bw.copyBest() / GB,
                bw.copyMedian() / GB);
        System.out.printf(
                Locale.ROOT,
                "  read-only sum   %6.2f GB/s (%.2f)   sum of a long[]%n",
                bw.readBest() / GB,
                bw.readMedian() / GB);
        System.out.printf(
                Locale.ROOT,
                "  in-place add    %6.2f GB/s (%.2f)   b[i] += a[i]: 2 reads + 1 write counted, the"
                        + " fold's access pattern%n",
                bw.addBest() / GB,
                bw.addMedian() / GB);
        System.out.println();
        System.out.printf(
                Locale.ROOT,
                "Fold throughput: %s parameters x %d sites (%s of float32 updates per fold, files"
                        + " in the page cache), one thread.%n",
                count(n),
                sites,
                size((long) updateBytes));
        System.out.printf(
                Locale.ROOT,
                "best and median of folds 2..%d (warm); 'first' = fold 1 (cold: the sum's pages" + " are new).%n",
                repeats);
        System.out.println("B/value = memory traffic per update value: read update 4 B + read sum 8 B + write sum 8 B"
                + " = 20 B; a file fold adds 4 B for its check pass; the one-pass fold moves the sum once for all"
                + " sites: 8 B + 16 B / sites.");
        String header = String.format(
                Locale.ROOT,
                "%-32s | %7s %7s %8s | %8s %7s | %7s %8s | %8s %8s %8s",
                "variant",
                "first s",
                "best s",
                "median s",
                "upd GB/s",
                "(first)",
                "B/value",
                "trf GB/s",
                "trf/copy",
                "trf/read",
                "trf/add");
        System.out.println(header);
        System.out.println("-".repeat(header.length()));
        for (Fold f : folds) {
            double traffic = updateBytes / Float.BYTES * f.trafficPerValue() / f.best();
            System.out.printf(
                    Locale.ROOT,
                    "%-32s | %7.3f %7.3f %8.3f | %8.2f %7.2f | %7.1f %8.2f | %7.0f%% %7.0f%% %7.0f%%%n",
                    f.name(),
                    f.first(),
                    f.best(),
                    f.median(),
                    updateBytes / f.best() / GB,
                    updateBytes / f.first() / GB,
                    f.trafficPerValue(),
                    traffic / GB,
                    100 * traffic / bw.copyBest(),
                    100 * traffic / bw.readBest(),
                    100 * traffic / bw.addBest());
        }
        for (Fold f : folds) {
            System.out.printf(Locale.ROOT, "  %-34s %s%n", f.name() + ":", f.how());
        }
        Fold onePass = folds.get(folds.size() - 1);
        double reference = bw.best();
        double updateRatio = updateBytes / onePass.best() / reference;
        double trafficRatio = updateBytes / Float.BYTES * onePass.trafficPerValue() / onePass.best() / reference;
        System.out.printf(
                Locale.ROOT,
                "Aim: fold at >= 0.5 x memory bandwidth. Update bytes cannot get there: a float64"
                        + " read-modify-write moves 20 B of memory per 4 B update value (%.1f B in the one-pass fold of %d"
                        + " sites), so update GB/s <= %.2f x bandwidth even at full speed; memory traffic is the figure"
                        + " that can.%n",
                onePass.trafficPerValue(),
                sites,
                4 / onePass.trafficPerValue());
        System.out.printf(
                Locale.ROOT,
                "One-pass fold against the strongest baseline (%.2f GB/s): update bytes %.3f x,"
                        + " memory traffic %.3f x -> aim (traffic >= 0.5 x bandwidth) %s. Against the copy figure"
                        + " alone: traffic %.3f x.%n",
                reference / GB,
                updateRatio,
                trafficRatio,
                trafficRatio >= 0.5 ? "met" : "NOT met",
                trafficRatio * reference / bw.copyBest());
        // What a coordinator replica actually runs: the heap sum within cohort.coordinator.heap-sum-bytes
        // (a quarter of the heap by default), one file fold per upload beyond it.
        for (Fold f : folds) {
            if (f.name().equals("WeightedSum.addChunk") || f.name().equals("MappedWeightedSum.addUpdateFile")) {
                double ratio = updateBytes / Float.BYTES * f.trafficPerValue() / f.best() / reference;
                System.out.printf(
                        Locale.ROOT,
                        "The coordinator's %s path (%s): memory traffic %.3f x the strongest"
                                + " baseline -> aim %s.%n",
                        f.name().startsWith("Weighted") ? "heap" : "memory-mapped",
                        f.name().startsWith("Weighted") ? "sums within heap-sum-bytes" : "large models",
                        ratio,
                        ratio >= 0.5 ? "met" : "NOT met");
            }
        }
    }

    // ---- (c) one round ------------------------------------------------------------------------

    private static void runRound(Path dir, long n, int sites) throws IOException {
        Files.createDirectories(dir);
        long needed = (sites + 2L) * n * Float.BYTES + n * Double.BYTES; // updates, global, next, sum
        long usable = Files.getFileStore(dir).getUsableSpace();
        if (usable < needed) {
            throw new IOException("the round needs " + size(needed) + " of temporary disk in " + dir.getParent()
                    + " but only " + size(usable) + " are usable; free space or pass --dir");
        }
        System.out.printf(
                Locale.ROOT,
                "%nRound of %s parameters x %d sites: writing the update files and the global"
                        + " model (%s each, flushed to disk so the round does not pay for their write-back)...%n",
                count(n),
                sites,
                size(n * Float.BYTES));
        long t = System.nanoTime();
        List<UpdateFile> updates = writeUpdates(dir, "site", n, sites, true);
        Path global = dir.resolve("global.f32");
        writeValues(global, n, 0x6c6f6261L, 1.0f, true);
        double generateSeconds = (System.nanoTime() - t) / 1e9;
        long inputBytes = (sites + 1L) * n * Float.BYTES;
        System.out.printf(
                Locale.ROOT,
                "  inputs written: %s in %.1f s (%.2f GB/s to disk)%n",
                size(inputBytes),
                generateSeconds,
                inputBytes / generateSeconds / GB);

        System.gc();
        List<MemoryPoolMXBean> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP)
                .toList();
        heapPools.forEach(MemoryPoolMXBean::resetPeakUsage);
        long gcBefore = gcCount();
        Path next = dir.resolve("next-global.f32");
        Progress progress = new Progress(dir);
        long tCreate = System.nanoTime();
        double foldSeconds;
        double writeSeconds;
        double createSeconds;
        double closeSeconds;
        long peakDisk;
        try (MappedWeightedSum sum = new MappedWeightedSum(dir, n)) {
            createSeconds = (System.nanoTime() - tCreate) / 1e9;
            progress.step("folding " + sites + " sites in one pass");
            long t0 = System.nanoTime();
            sum.addUpdateFiles(updates);
            foldSeconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "  folded in %.1f s%n", foldSeconds);
            progress.step("writing the next global model");
            t0 = System.nanoTime();
            sum.writeNextGlobal(global, 1.0, next);
            writeSeconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "  next global model written in %.1f s%n", writeSeconds);
            progress.step("closing");
            peakDisk = directoryBytes(dir);
            t0 = System.nanoTime();
            sum.close();
            closeSeconds = (System.nanoTime() - t0) / 1e9;
        } finally {
            progress.stop();
        }
        long peakHeap =
                heapPools.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
        long gcs = gcCount() - gcBefore;
        int checked = spotCheck(updates, global, next, n, 1000);

        double roundSeconds = createSeconds + foldSeconds + writeSeconds + closeSeconds;
        double updateBytes = (double) sites * n * Float.BYTES;
        System.out.println();
        System.out.printf(
                Locale.ROOT,
                "Round: %s parameters (%s float32 per update) x %d sites, FedAvg with server"
                        + " learning rate 1, one-pass fold into a memory-mapped float64 sum%n",
                count(n),
                size(n * Float.BYTES),
                sites);
        System.out.printf(Locale.ROOT, "%-44s %s%n", "step", "time / figure");
        System.out.println("-".repeat(100));
        row(
                "create sum file (sparse, " + size(n * Double.BYTES) + ")",
                String.format(Locale.ROOT, "%.2f s", createSeconds));
        row(
                "fold " + sites + " sites (check pass + one-pass fold)",
                String.format(
                        Locale.ROOT,
                        "%.1f s  (%.2f GB/s of" + " updates)",
                        foldSeconds,
                        updateBytes / foldSeconds / GB));
        row("write next global (" + size(n * Float.BYTES) + ")", String.format(Locale.ROOT, "%.1f s", writeSeconds));
        row("close (unmap, delete sum file)", String.format(Locale.ROOT, "%.2f s", closeSeconds));
        row("round total", String.format(Locale.ROOT, "%.1f s", roundSeconds));
        row(
                "peak heap used (sum of heap pools' peaks)",
                size(peakHeap) + String.format(Locale.ROOT, "  (%d GCs)", gcs));
        row("max heap", size(Runtime.getRuntime().maxMemory()) + " (" + xmx() + ")");
        row(
                "temporary disk at peak",
                size(peakDisk) + String.format(Locale.ROOT, "  (%d updates + global + sum + next)", sites));
        row("check", checked + " random parameters equal FedAvg of the generated updates exactly");
        Files.delete(next);
        runCoordinatorPath(dir, updates, global, n);
        System.out.println("Temporary files are deleted now.");
    }

    /**
     * The same round through the coordinator's own classes, as a replica and the driver run it:
     * each upload folded into the replica's {@link PartialSums} when it arrives (memory-mapped, as
     * for any model whose sum is above {@code cohort.coordinator.heap-sum-bytes}), the partial sum
     * sealed, and the next model written by the driver's merge — slices of the sum stepped by
     * {@link org.cohort.coordinator.aggregation.Strategy.Step} with the same slices of the global
     * model, through {@link ModelFiles}. The spooled uploads are consumed as the coordinator
     * consumes them.
     */
    private static void runCoordinatorPath(Path dir, List<UpdateFile> updates, Path global, long n) throws IOException {
        System.out.printf(
                Locale.ROOT,
                "%nThe same round through the coordinator's PartialSums and the driver's"
                        + " chunked merge (uploads folded one by one as they arrive)...%n");
        System.gc();
        List<MemoryPoolMXBean> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP)
                .toList();
        heapPools.forEach(MemoryPoolMXBean::resetPeakUsage);
        long gcBefore = gcCount();
        LiveHeap live = LiveHeap.watch();
        var partials = new PartialSums("bench", dir.resolve("partial-sums"), 1);
        Path next = dir.resolve("next-global.f32");
        Progress progress = new Progress(dir);
        double[] foldSeconds = new double[updates.size()];
        double mergeSeconds;
        long peakDisk;
        try {
            for (int site = 0; site < updates.size(); site++) {
                progress.step("folding the upload of site " + site);
                long t0 = System.nanoTime();
                boolean held = partials.fold(
                        "round",
                        n,
                        () -> true,
                        new PartialSums.Contribution(
                                "site-" + site, updates.get(site).weight(), new byte[0]),
                        updates.get(site).file());
                if (!held) {
                    throw new IllegalStateException("the partial sum refused an upload");
                }
                foldSeconds[site] = (System.nanoTime() - t0) / 1e9;
            }
            var sealed = partials.seal("round");
            progress.step("merging and writing the next global model");
            long t0 = System.nanoTime();
            Strategy.Step step = new FedAvg(1.0)
                    .step(sealed.totalWeight(), sealed.contributions().size());
            ModelFiles.write(next, n, (offset, count) -> {
                try {
                    return step.next(ModelFiles.read(global, offset, count), partials.slice("round", offset, count));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            mergeSeconds = (System.nanoTime() - t0) / 1e9;
            peakDisk = directoryBytes(dir);
            partials.discard("round");
        } finally {
            progress.stop();
        }
        long peakHeap =
                heapPools.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
        long gcs = gcCount() - gcBefore;
        long peakLive = live.stop();
        int checked = spotCheck(updates, global, next, n, 1000);
        double folds = Arrays.stream(foldSeconds).sum();
        System.out.printf(Locale.ROOT, "%-44s %s%n", "step", "time / figure");
        System.out.println("-".repeat(100));
        for (int site = 0; site < foldSeconds.length; site++) {
            row(
                    "fold upload of site " + site + " (check + fold)",
                    String.format(
                            Locale.ROOT,
                            "%.1f s  (%.2f GB/s)",
                            foldSeconds[site],
                            n * (double) Float.BYTES / foldSeconds[site] / GB));
        }
        row("seal + merge + write next global", String.format(Locale.ROOT, "%.1f s", mergeSeconds));
        row("round total", String.format(Locale.ROOT, "%.1f s", folds + mergeSeconds));
        row(
                "peak heap used (sum of heap pools' peaks)",
                size(peakHeap)
                        + String.format(
                                Locale.ROOT,
                                "  (%d GCs; the merge allocates a few chunk arrays per 1M parameters and leaves them to the GC)",
                                gcs));
        row("peak heap live after a GC", gcs == 0 ? "no GC ran" : size(peakLive));
        row("max heap", size(Runtime.getRuntime().maxMemory()) + " (" + xmx() + ")");
        row("temporary disk at peak", size(peakDisk));
        row("check", checked + " random parameters equal FedAvg of the generated updates exactly");
    }

    private static void row(String step, String value) {
        System.out.printf(Locale.ROOT, "%-44s %s%n", step, value);
    }

    /** Prints a line every 15 s during a long step, so a person can see the run is alive. */
    private static final class Progress {
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "progress");
            thread.setDaemon(true);
            return thread;
        });
        private volatile String step = "starting";
        private volatile long stepStart = System.nanoTime();

        Progress(Path dir) {
            timer.scheduleAtFixedRate(
                    () -> {
                        Runtime rt = Runtime.getRuntime();
                        System.out.printf(
                                Locale.ROOT,
                                "    ... %s: %.0f s, heap in use %s, temporary files %s%n",
                                step,
                                (System.nanoTime() - stepStart) / 1e9,
                                size(rt.totalMemory() - rt.freeMemory()),
                                size(directoryBytes(dir)));
                    },
                    15,
                    15,
                    TimeUnit.SECONDS);
        }

        void step(String name) {
            step = name;
            stepStart = System.nanoTime();
            System.out.printf(Locale.ROOT, "  %s...%n", name);
        }

        void stop() {
            timer.shutdownNow();
        }
    }

    /** Reads {@code samples} random parameters of the written model and recomputes them from the generator. */
    private static int spotCheck(List<UpdateFile> updates, Path global, Path next, long n, int samples)
            throws IOException {
        SplittableRandom random = new SplittableRandom(42);
        long totalWeight = updates.stream().mapToLong(UpdateFile::weight).sum();
        ByteBuffer one = ByteBuffer.allocate(Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel in = FileChannel.open(next, StandardOpenOption.READ)) {
            for (int s = 0; s < samples; s++) {
                long i = s == 0 ? n - 1 : random.nextLong(n);
                double sum = 0;
                for (int site = 0; site < updates.size(); site++) {
                    sum += updates.get(site).weight() * (double) value(siteSeed(site), i, UPDATE_SCALE);
                }
                float mean = (float) (sum / totalWeight);
                float expected = (float) (value(0x6c6f6261L, i, 1.0f) + 1.0 * mean);
                one.clear();
                in.read(one, i * Float.BYTES);
                float actual = one.getFloat(0);
                if (Float.floatToRawIntBits(actual) != Float.floatToRawIntBits(expected)) {
                    throw new IllegalStateException("parameter " + i + " of the next global model is " + actual
                            + " but FedAvg of the generated updates gives " + expected + ": aggregation is broken");
                }
            }
        }
        return samples;
    }

    // ---- deterministic update files -----------------------------------------------------------

    private static final float UPDATE_SCALE = 0.02f;

    private static long siteSeed(int site) {
        return 0x5173L + site;
    }

    private static List<UpdateFile> writeUpdates(Path dir, String prefix, long n, int sites, boolean flush)
            throws IOException {
        List<UpdateFile> updates = new ArrayList<>();
        for (int site = 0; site < sites; site++) {
            Path file = dir.resolve(prefix + "-" + site + ".f32");
            long t = System.nanoTime();
            writeValues(file, n, siteSeed(site), UPDATE_SCALE, flush);
            if (flush) {
                double seconds = (System.nanoTime() - t) / 1e9;
                System.out.printf(
                        Locale.ROOT, "  wrote %s (%s) in %.1f s%n", file.getFileName(), size(n * Float.BYTES), seconds);
            }
            updates.add(new UpdateFile(file, BASE_WEIGHT + 137L * site));
        }
        return updates;
    }

    /**
     * A pseudo-random float in [-scale/2, scale/2) that depends only on (seed, index): a murmur3
     * finaliser over the index (int arithmetic, which the JIT vectorises), so files of billions
     * of values are written at disk speed and any value can be recomputed to check the result.
     */
    private static float value(long seed, long index, float scale) {
        int x = (int) index * 0x9E3779B9 + salt(seed, index);
        x ^= x >>> 16;
        x *= 0x85EBCA6B;
        x ^= x >>> 13;
        x *= 0xC2B2AE35;
        x ^= x >>> 16;
        return (x >> 8) * (scale * 0x1p-24f);
    }

    private static int salt(long seed, long index) {
        long h = (seed + (index >>> 32)) * 0xD6E8FEB86659FD93L;
        return (int) (h ^ (h >>> 32));
    }

    private static void writeValues(Path file, long n, long seed, float scale, boolean flush) throws IOException {
        float[] block = new float[GENERATE_BLOCK];
        ByteBuffer buffer =
                ByteBuffer.allocateDirect(GENERATE_BLOCK * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        FloatBuffer floats = buffer.asFloatBuffer();
        float step = scale * 0x1p-24f;
        try (FileChannel out = FileChannel.open(
                file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            for (long first = 0; first < n; first += GENERATE_BLOCK) {
                int count = (int) Math.min(GENERATE_BLOCK, n - first);
                int salt = salt(seed, first); // blocks are 2^20-aligned: the high index bits are constant
                int low = (int) first;
                for (int k = 0; k < count; k++) {
                    int x = (low + k) * 0x9E3779B9 + salt;
                    x ^= x >>> 16;
                    x *= 0x85EBCA6B;
                    x ^= x >>> 13;
                    x *= 0xC2B2AE35;
                    x ^= x >>> 16;
                    block[k] = (x >> 8) * step;
                }
                floats.put(0, block, 0, count);
                buffer.clear().limit(count * Float.BYTES);
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
            }
            if (flush) {
                out.force(false);
            }
        }
    }

    // ---- helpers ------------------------------------------------------------------------------

    /** The largest heap in use right after a garbage collection (what the round keeps alive), from GC notifications. */
    private static final class LiveHeap implements javax.management.NotificationListener {
        private final List<javax.management.NotificationEmitter> emitters = new ArrayList<>();
        private volatile long peak;

        static LiveHeap watch() {
            var live = new LiveHeap();
            for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                if (gc instanceof javax.management.NotificationEmitter emitter) {
                    emitter.addNotificationListener(live, null, null);
                    live.emitters.add(emitter);
                }
            }
            return live;
        }

        @Override
        public void handleNotification(javax.management.Notification n, Object handback) {
            if (!n.getType()
                    .equals(com.sun.management.GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) {
                return;
            }
            var info = com.sun.management.GarbageCollectionNotificationInfo.from(
                    (javax.management.openmbean.CompositeData) n.getUserData());
            long after = 0;
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                var usage = info.getGcInfo().getMemoryUsageAfterGc().get(pool.getName());
                if (pool.getType() == MemoryType.HEAP && usage != null) {
                    after += usage.getUsed();
                }
            }
            peak = Math.max(peak, after);
        }

        long stop() {
            for (var emitter : emitters) {
                try {
                    emitter.removeNotificationListener(this);
                } catch (javax.management.ListenerNotFoundException ignored) {
                    // already removed
                }
            }
            return peak;
        }
    }

    private static long gcCount() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(b -> Math.max(0, b.getCollectionCount()))
                .sum();
    }

    private static long physicalMemory() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return -1;
    }

    private static String xmx() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-Xmx") || a.startsWith("-XX:MaxHeapSize"))
                .reduce((a, b) -> b)
                .orElse("no -Xmx: JVM default");
    }

    private static long directoryBytes(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile)
                    .mapToLong(p -> {
                        try {
                            return Files.size(p);
                        } catch (IOException e) {
                            return 0; // deleted meanwhile
                        }
                    })
                    .sum();
        } catch (IOException | UncheckedIOException e) {
            return -1;
        }
    }

    private static void deleteFiles(List<UpdateFile> updates) throws IOException {
        for (UpdateFile u : updates) {
            Files.deleteIfExists(u.file());
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    System.err.println("could not delete " + p + ": " + e.getMessage());
                }
            });
        } catch (IOException | UncheckedIOException e) {
            System.err.println("could not delete " + dir + ": " + e.getMessage());
        }
    }

    private static double max(double[] values) {
        return Arrays.stream(values).max().orElseThrow();
    }

    private static double min(double[] values) {
        return Arrays.stream(values).min().orElseThrow();
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static String count(long value) {
        if (value >= 1_000_000_000L && value % 100_000_000L == 0) {
            return value / 1e9 + "B";
        }
        if (value >= 1_000_000) {
            return String.format(Locale.ROOT, "%.0fM", value / 1e6);
        }
        return String.format(Locale.ROOT, "%.0fk", value / 1e3);
    }

    private static String size(long bytes) {
        if (bytes < 0) {
            return "?";
        }
        if (bytes >= 1L << 30) {
            return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
        }
        if (bytes >= 1L << 20) {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / MIB);
        }
        return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
    }
}
