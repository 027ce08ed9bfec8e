package org.cohort.simulation.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.cohort.coordinator.aggregation.FedAvg;
import org.cohort.coordinator.aggregation.Strategy;
import org.cohort.coordinator.registry.ModelFiles;
import org.cohort.coordinator.round.PartialSums;
import org.cohort.simulation.CommandLines;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Benchmark (not a test): plain FedAvg rounds of a large model through the coordinator's own
 * classes, as a replica and the driver run them: each site's spooled upload folded into the
 * replica's {@link PartialSums} as it arrives, the sum sealed, and the next model written by the
 * driver's chunked merge (the same calls as {@code PartialSumMerge}: each chunk of the sum added
 * into one reused buffer, the base model read through one {@link ModelFiles.Reader}, the strategy
 * step applied in place, {@link ModelFiles#write} with one reused chunk). Rounds alternate between
 * a heap sum (the baseline) and a file sum, so both see the same machine; the first file round
 * creates its file, later ones reuse it. Every figure is wall time and this thread's CPU time
 * (user + system). The disk's sequential write rate is measured in the same run.
 *
 * <p>{@code --legacy} runs the merge as the coordinator did before sums were pooled (a new slice,
 * sum and model chunk per 1M values, the model file opened per chunk), for a before/after on an
 * older build. {@code --no-heap} leaves out the heap rounds (a 1B-parameter model, whose 8 GB sum
 * no heap baseline can hold).
 */
public final class CoordinatorRoundBenchmark {
    private static final double GB = 1e9;
    private static final int GENERATE_BLOCK = 1 << 20;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private CoordinatorRoundBenchmark() {}

    public static void main(String[] args) {
        CommandLines.exit(new Arguments(), args);
    }

    @Command(
            name = "./bench.sh CoordinatorRoundBenchmark",
            mixinStandardHelpOptions = true,
            description = "Plain rounds of a large model through PartialSums and the driver's merge: heap sum vs"
                    + " file sum (first and reused), wall and CPU time, against the disk's write rate.")
    static final class Arguments implements Callable<Integer> {
        @Option(
                names = "--params",
                defaultValue = "50000000",
                converter = BenchNumbers.PositiveLong.class,
                description = "model size (default ${DEFAULT-VALUE})")
        long parameters;

        @Option(
                names = "--sites",
                defaultValue = "3",
                converter = BenchNumbers.PositiveInt.class,
                description = "sites per round (default ${DEFAULT-VALUE})")
        int sites;

        @Option(
                names = "--rounds",
                defaultValue = "3",
                converter = BenchNumbers.PositiveInt.class,
                description = "rounds of each kind (default ${DEFAULT-VALUE})")
        int rounds;

        @Option(names = "--no-heap", description = "file sums only (models no heap holds)")
        boolean noHeap;

        @Option(names = "--legacy", description = "merge as before pooling (allocating, model file opened per chunk)")
        boolean legacy;

        @Option(
                names = "--disk-probe-mib",
                defaultValue = "1024",
                converter = BenchNumbers.PositiveInt.class,
                description = "MiB written to measure the disk's sequential write rate (default ${DEFAULT-VALUE})")
        int probeMib;

        @Option(names = "--dir", defaultValue = "${sys:java.io.tmpdir}", description = "temporary files")
        Path base;

        @Override
        public Integer call() throws IOException {
            run(this);
            return 0;
        }
    }

    /** One round's figures. */
    record Round(String kind, double foldWall, double foldCpu, double mergeWall, double mergeCpu) {
        double wall() {
            return foldWall + mergeWall;
        }

        double cpu() {
            return foldCpu + mergeCpu;
        }
    }

    private static void run(Arguments a) throws IOException {
        long n = a.parameters;
        System.out.printf(
                Locale.ROOT,
                "Coordinator round benchmark: %,d parameters x %d sites, %d rounds per kind%s; %s %s, %d processors,"
                        + " max heap %d MiB; files in %s%n",
                n,
                a.sites,
                a.rounds,
                a.legacy ? " (legacy merge)" : "",
                System.getProperty("java.vm.name"),
                System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20,
                a.base.toAbsolutePath());
        Path work = Files.createTempDirectory(a.base, "cohort-round-bench-");
        try {
            double diskRate = diskWriteRate(work.resolve("probe.bin"), (long) a.probeMib << 20);
            System.out.printf(
                    Locale.ROOT,
                    "disk sequential write (write + fsync of %d MiB): %.2f GB/s%n",
                    a.probeMib,
                    diskRate / GB);
            List<Path> updates = new ArrayList<>();
            for (int s = 0; s < a.sites; s++) {
                Path f = work.resolve("update-" + s + ".f32");
                writeValues(f, n, 0x5173L + s);
                updates.add(f);
            }
            Path global = work.resolve("global.f32");
            writeValues(global, n, 0x6c6f6261L);
            PartialSums heap = new PartialSums("bench", work.resolve("heap-sums"), Long.MAX_VALUE);
            PartialSums file = new PartialSums("bench", work.resolve("file-sums"), 1);
            List<MemoryPoolMXBean> pools = ManagementFactory.getMemoryPoolMXBeans().stream()
                    .filter(p -> p.getType() == MemoryType.HEAP)
                    .toList();
            List<Round> heapRounds = new ArrayList<>();
            List<Round> fileRounds = new ArrayList<>();
            long filePeakHeap = 0;
            float[] check = null;
            for (int r = 0; r < a.rounds; r++) {
                if (!a.noHeap) {
                    Round h = round(a, "heap", heap, updates, global, work, "r" + r, n);
                    heapRounds.add(h);
                    print(h, r);
                    check = sample(work.resolve("next.f32"), n);
                }
                System.gc();
                pools.forEach(MemoryPoolMXBean::resetPeakUsage);
                Round f = round(a, "file", file, updates, global, work, "r" + r, n);
                filePeakHeap = Math.max(
                        filePeakHeap,
                        pools.stream()
                                .mapToLong(p -> p.getPeakUsage().getUsed())
                                .sum());
                fileRounds.add(f);
                print(f, r);
                if (check != null && !Arrays.equals(check, sample(work.resolve("next.f32"), n))) {
                    throw new IllegalStateException("the file sum's model differs from the heap sum's");
                }
            }
            heap.discardAll(); // (not close(): --legacy runs on builds without it)
            file.discardAll();
            summary(a, heapRounds, fileRounds, diskRate, filePeakHeap, check != null);
        } finally {
            deleteTree(work);
        }
    }

    private static Round round(
            Arguments a,
            String kind,
            PartialSums sums,
            List<Path> updates,
            Path global,
            Path work,
            String roundId,
            long n)
            throws IOException {
        // Spools as an upload leaves them: just written (for models that fit, in the page cache).
        List<Path> spools = new ArrayList<>();
        for (int s = 0; s < updates.size(); s++) {
            Path spool = work.resolve("spool-" + s + ".f32");
            Files.deleteIfExists(spool);
            try {
                Files.createLink(spool, updates.get(s)); // the fold deletes the spool, not the update
            } catch (UnsupportedOperationException | IOException e) {
                Files.copy(updates.get(s), spool, StandardCopyOption.REPLACE_EXISTING);
            }
            spools.add(spool);
        }
        long wall0 = System.nanoTime();
        long cpu0 = THREADS.getCurrentThreadCpuTime();
        for (int s = 0; s < spools.size(); s++) {
            boolean held = sums.fold(
                    roundId,
                    n,
                    () -> true,
                    new PartialSums.Contribution("site-" + s, 1000L + 137L * s, new byte[0]),
                    spools.get(s));
            if (!held) {
                throw new IllegalStateException("refused");
            }
        }
        var sealed = sums.seal(roundId);
        long wall1 = System.nanoTime();
        long cpu1 = THREADS.getCurrentThreadCpuTime();
        Strategy.Step step = new FedAvg(1.0)
                .step(sealed.totalWeight(), sealed.contributions().size());
        Path next = work.resolve("next.f32");
        if (a.legacy) {
            Legacy.merge(sums, roundId, step, global, next, n);
        } else {
            Pooled.merge(sums, roundId, step, global, next, n);
        }
        long wall2 = System.nanoTime();
        long cpu2 = THREADS.getCurrentThreadCpuTime();
        sums.discard(roundId);
        return new Round(kind, (wall1 - wall0) / 1e9, (cpu1 - cpu0) / 1e9, (wall2 - wall1) / 1e9, (cpu2 - cpu1) / 1e9);
    }

    /** The merge as {@code PartialSumMerge} runs it now: reused buffers, the base model opened once. */
    private static final class Pooled {
        static void merge(PartialSums sums, String roundId, Strategy.Step step, Path global, Path next, long n)
                throws IOException {
            double[] sum = new double[(int) Math.min(ModelFiles.CHUNK_VALUES, n)];
            float[] base = new float[sum.length];
            try (ModelFiles.Reader reader = new ModelFiles.Reader(global)) {
                ModelFiles.write(next, n, (offset, count, into) -> {
                    Arrays.fill(sum, 0, count, 0.0);
                    sums.addSlice(roundId, offset, sum, count);
                    try {
                        reader.read(offset, base, count);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    step.next(base, sum, count, into);
                });
            }
        }
    }

    /** The merge as it was: new arrays per chunk, the model file opened per chunk. */
    private static final class Legacy {
        static void merge(PartialSums sums, String roundId, Strategy.Step step, Path global, Path next, long n)
                throws IOException {
            ModelFiles.write(next, n, (long offset, int count) -> {
                double[] sum = new double[count];
                double[] slice = sums.slice(roundId, offset, count);
                for (int i = 0; i < count; i++) {
                    sum[i] += slice[i];
                }
                try {
                    return step.next(ModelFiles.read(global, offset, count), sum);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    private static void print(Round r, int index) {
        System.out.printf(
                Locale.ROOT,
                "  round %d %-4s  fold %6.2f s (cpu %6.2f)  merge+write %6.2f s (cpu %6.2f)  total %6.2f s (cpu %6.2f)%n",
                index + 1,
                r.kind(),
                r.foldWall(),
                r.foldCpu(),
                r.mergeWall(),
                r.mergeCpu(),
                r.wall(),
                r.cpu());
    }

    private static void summary(
            Arguments a, List<Round> heap, List<Round> file, double diskRate, long filePeakHeap, boolean checked) {
        long n = a.parameters;
        System.out.println();
        Round first = file.get(0);
        List<Round> reused = file.subList(1, file.size());
        if (!heap.isEmpty()) {
            // The first heap round allocates its sum (and warms the JIT); later ones reuse it, as a replica does.
            heap = heap.size() > 1 ? heap.subList(1, heap.size()) : heap;
            double hWall =
                    BenchNumbers.median(heap.stream().mapToDouble(Round::wall).toArray());
            double hCpu =
                    BenchNumbers.median(heap.stream().mapToDouble(Round::cpu).toArray());
            double hFold = BenchNumbers.median(
                    heap.stream().mapToDouble(Round::foldWall).toArray());
            double hFoldCpu = BenchNumbers.median(
                    heap.stream().mapToDouble(Round::foldCpu).toArray());
            System.out.printf(
                    Locale.ROOT,
                    "heap sum (median of %d after the first): round %.2f s wall, %.2f s cpu; fold %.2f s wall, %.2f s cpu%n",
                    heap.size(),
                    hWall,
                    hCpu,
                    hFold,
                    hFoldCpu);
            System.out.printf(
                    Locale.ROOT,
                    "file sum, first round (new file): %.2fx the heap round wall, %.2fx cpu; fold %.2fx wall, %.2fx cpu%n",
                    first.wall() / hWall,
                    first.cpu() / hCpu,
                    first.foldWall() / hFold,
                    first.foldCpu() / hFoldCpu);
            if (!reused.isEmpty()) {
                double fWall = BenchNumbers.median(
                        reused.stream().mapToDouble(Round::wall).toArray());
                double fCpu = BenchNumbers.median(
                        reused.stream().mapToDouble(Round::cpu).toArray());
                double fFold = BenchNumbers.median(
                        reused.stream().mapToDouble(Round::foldWall).toArray());
                double fFoldCpu = BenchNumbers.median(
                        reused.stream().mapToDouble(Round::foldCpu).toArray());
                System.out.printf(
                        Locale.ROOT,
                        "file sum, reused file (median of %d): %.2fx the heap round wall, %.2fx cpu;"
                                + " fold %.2fx wall, %.2fx cpu (goal: round <= 1.5x)%n",
                        reused.size(),
                        fWall / hWall,
                        fCpu / hCpu,
                        fFold / hFold,
                        fFoldCpu / hFoldCpu);
            }
            System.out.printf(
                    Locale.ROOT, "models of heap and file rounds equal at 4096 sampled parameters: %s%n", checked);
        }
        // What a round must write at least: the next model, and the sum once if it goes to disk.
        double modelBytes = n * 4.0;
        double sumBytes = n * 8.0;
        for (Round r : file) {
            System.out.printf(
                    Locale.ROOT,
                    "file round %.2f s = %.2fx the time to write the next model sequentially (%.2f s at %.2f GB/s),"
                            + " %.2fx the time to write model + sum once (%.2f s)%n",
                    r.wall(),
                    r.wall() / (modelBytes / diskRate),
                    modelBytes / diskRate,
                    diskRate / GB,
                    r.wall() / ((modelBytes + sumBytes) / diskRate),
                    (modelBytes + sumBytes) / diskRate);
        }
        System.out.printf(
                Locale.ROOT,
                "peak heap during file rounds: %d MiB (max heap %d MiB; with heap rounds, it includes their kept sum)%n",
                filePeakHeap >> 20,
                Runtime.getRuntime().maxMemory() >> 20);
    }

    private static float[] sample(Path file, long n) throws IOException {
        float[] out = new float[4096];
        SplittableRandom rnd = new SplittableRandom(5);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < out.length; i++) {
                b.clear();
                ch.read(b, rnd.nextLong(n) * 4);
                out[i] = b.getFloat(0);
            }
        }
        return out;
    }

    /** Sequential write + fsync of {@code bytes}, in bytes per second. */
    private static double diskWriteRate(Path file, long bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocateDirect(8 << 20);
        new SplittableRandom(1).ints(buffer.capacity() / 4).forEach(buffer::putInt);
        long t = System.nanoTime();
        try (FileChannel out = FileChannel.open(
                file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            for (long done = 0; done < bytes; done += buffer.capacity()) {
                buffer.clear();
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
            }
            out.force(true);
        }
        double rate = bytes / ((System.nanoTime() - t) / 1e9);
        Files.delete(file);
        return rate;
    }

    private static void writeValues(Path file, long n, long seed) throws IOException {
        float[] block = new float[GENERATE_BLOCK];
        ByteBuffer buffer = ByteBuffer.allocateDirect(GENERATE_BLOCK * 4).order(ByteOrder.LITTLE_ENDIAN);
        FloatBuffer floats = buffer.asFloatBuffer();
        SplittableRandom rnd = new SplittableRandom(seed);
        try (FileChannel out = FileChannel.open(
                file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            for (long first = 0; first < n; first += GENERATE_BLOCK) {
                int count = (int) Math.min(GENERATE_BLOCK, n - first);
                for (int k = 0; k < count; k++) {
                    block[k] = (float) (rnd.nextDouble() - 0.5) * 0.01f;
                }
                floats.put(0, block, 0, count);
                buffer.clear().limit(count * 4);
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
            }
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}
