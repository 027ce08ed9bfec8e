package org.cohort.simulation.bench;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.cohort.crypto.pki.SiteKeys;
import org.cohort.crypto.secagg.AdvertisedKeys;
import org.cohort.crypto.secagg.AggregateSum;
import org.cohort.crypto.secagg.ConsistencyRequest;
import org.cohort.crypto.secagg.ConsistencySignature;
import org.cohort.crypto.secagg.EncryptedShare;
import org.cohort.crypto.secagg.MaskThroughput;
import org.cohort.crypto.secagg.MaskedInput;
import org.cohort.crypto.secagg.MaskedInputChunk;
import org.cohort.crypto.secagg.RevealedShare;
import org.cohort.crypto.secagg.RingQuantizer;
import org.cohort.crypto.secagg.SecAggClient;
import org.cohort.crypto.secagg.SecAggParameters;
import org.cohort.crypto.secagg.SecAggServer;
import org.cohort.crypto.secagg.UnmaskRequest;
import org.cohort.crypto.secagg.UnmaskResponse;
import org.cohort.crypto.signature.SignatureVerifier;
import org.cohort.crypto.signature.UpdateSigner;
import org.cohort.simulation.CommandLines;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Cost of secure aggregation (SecAgg+ with the default degree and threshold) against plaintext
 * aggregation of the same quantized updates, measured in the same run, for 10, 50 and 100 sites
 * and 100k and 1M parameters, 10% of the sites dropping out after sharing their keys (the costly
 * case for the server: it must rebuild their mask keys and remove their pairwise masks).
 *
 * <p>All parties run sequentially on one thread, so "client" is the average over the surviving
 * sites of one site's own compute time across all five stages, and "server" is the coordinator's
 * compute time across all stages; transport is not simulated. Bytes are the payload of the
 * messages (arrays plus 4 bytes per integer field), which protobuf adds a few bytes to. The
 * plaintext baseline cuts each quantized update into the same upload chunks (client) and adds the
 * chunks into a running sum (server). The server's time is given by wall clock and by CPU time of
 * all threads (its unmasking runs on every core). Also prints the mask expansion rate (the PRG as
 * the protocol uses it, all of a party's masks folded in one pass) next to the raw AES-CTR keystream
 * rate of the same JCE cipher and the one-pass-per-mask expansion it replaced, and the cost of an
 * X25519 agreement in Bouncy Castle against the JDK's.
 *
 * <p>Options: {@code --sites 10,50,100}, {@code --params 100000,1000000}, {@code --repeats 5} (the
 * defaults; {@code --help} lists them). Run with the simulation classpath: {@code java -Xmx4g -cp
 * <cp> org.cohort.simulation.bench.SecAggBenchmark}, or {@code ./bench.sh SecAggBenchmark}.
 * Not a test: no assertions on time, only on the exactness of the sum.
 */
public final class SecAggBenchmark {

    private static final double DROPOUT = 0.10;
    /** Values per upload message: 256 KiB, well under gRPC's default 4 MiB message limit. */
    private static final int CHUNK_VALUES = 1 << 16;

    private static final double CLIP = 1.0;
    private static final int NONCE_BYTES = 32;
    private static final int INT_FIELD = 4;

    private SecAggBenchmark() {}

    /** One configuration's measurements; times in nanoseconds, per surviving site where "client". */
    private record Row(
            int sites,
            int parameters,
            int degree,
            int threshold,
            int dropped,
            double clientNanos,
            double clientMaskNanos,
            double clientPlainNanos,
            double serverNanos,
            double serverUnmaskNanos,
            double serverPlainNanos,
            double serverCpuNanos,
            double serverPlainCpuNanos,
            double bytesSent,
            double bytesReceived,
            double bytesPlain,
            double quantizeNanos) {}

    public static void main(String[] args) {
        CommandLines.exit(new Arguments(), args);
    }

    /** The command line ({@code ./bench.sh SecAggBenchmark --help}): what to measure. */
    @Command(
            name = "./bench.sh SecAggBenchmark",
            mixinStandardHelpOptions = true,
            description = "Cost of SecAgg+ against plaintext aggregation of the same quantized"
                    + " updates, with 10%% of the sites dropping out after sharing their keys; every site count with"
                    + " every model size.")
    static final class Arguments implements Callable<Integer> {
        @Option(
                names = "--sites",
                paramLabel = "N",
                split = ",",
                defaultValue = "10,50,100",
                converter = BenchNumbers.PositiveInt.class,
                description = "site counts (default ${DEFAULT-VALUE})")
        int[] sites;

        @Option(
                names = "--params",
                paramLabel = "N",
                split = ",",
                defaultValue = "100000,1000000",
                converter = BenchNumbers.PositiveInt.class,
                description = "model sizes in parameters (default" + " ${DEFAULT-VALUE})")
        int[] parameters;

        @Option(
                names = "--repeats",
                paramLabel = "N",
                defaultValue = "5",
                converter = BenchNumbers.PositiveInt.class,
                description = "rounds per configuration; the table shows the median of each figure (default"
                        + " ${DEFAULT-VALUE})")
        int repeats;

        @Override
        public Integer call() {
            run(sites, parameters, repeats);
            return 0;
        }
    }

    private static void run(int[] sitesList, int[] parametersList, int repeats) {
        long start = System.nanoTime();
        int maxSites = Math.max(20, Arrays.stream(sitesList).max().orElseThrow());
        List<UpdateSigner> signers = new ArrayList<>();
        List<SignatureVerifier> verifiers = new ArrayList<>();
        for (int i = 0; i < maxSites; i++) {
            UpdateSigner signer = SiteKeys.generate().updateSigner();
            signers.add(signer);
            verifiers.add(SignatureVerifier.ed25519(signer.publicKey()));
        }

        System.out.println("Warming up the JIT (mask expansion and three small rounds, not reported)...");
        MaskThroughput.maskExpansionNanos(1 << 16, 3_000);
        for (int round = 0; round < 3; round++) {
            runRound(20, quantizedInputs(20, 200_000, round).values(), signers, verifiers);
        }

        List<Row> rows = new ArrayList<>();
        for (int parameters : parametersList) {
            for (int sites : sitesList) {
                Inputs inputs = quantizedInputs(sites, parameters, 100 + sites);
                List<Row> measured = new ArrayList<>();
                for (int repeat = 0; repeat < repeats; repeat++) {
                    measured.add(runRound(sites, inputs.values(), signers, verifiers));
                }
                rows.add(median(measured, inputs.quantizeNanosPerSite()));
                System.out.printf(
                        Locale.ROOT, "  measured n=%d, %s parameters (%d rounds)%n", sites, count(parameters), repeats);
            }
        }
        printTable(rows, repeats);
        printMaskRates();
        System.out.printf(
                Locale.ROOT,
                "%nTotal benchmark time %.1f s on %d available processors (%s %s)%n",
                (System.nanoTime() - start) / 1e9,
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.name"),
                System.getProperty("java.version"));
    }

    /** The sites' quantized updates, and how long quantizing one took. */
    private record Inputs(int[][] values, double quantizeNanosPerSite) {}

    /** Each site's update (Gaussian, σ = 0.3) clipped to [-1, 1] and quantized into the ring for n sites. */
    private static Inputs quantizedInputs(int n, int length, long seed) {
        RingQuantizer quantizer = new RingQuantizer(n, CLIP);
        Random random = new Random(seed);
        int[][] inputs = new int[n][];
        double[] update = new double[length];
        long quantizeNanos = 0;
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < length; k++) {
                update[k] = random.nextGaussian() * 0.3;
            }
            long t = System.nanoTime();
            inputs[i] = quantizer.quantize(update);
            quantizeNanos += System.nanoTime() - t;
        }
        return new Inputs(inputs, quantizeNanos / (double) n);
    }

    private static Row runRound(int n, int[][] inputs, List<UpdateSigner> signers, List<SignatureVerifier> verifiers) {
        int length = inputs[0].length;
        byte[] nonce = new byte[NONCE_BYTES];
        new SecureRandom().nextBytes(nonce);
        SecAggParameters parameters = SecAggParameters.defaults(n, nonce);
        SecAggServer server = new SecAggServer(parameters, length, verifiers::get);
        SecAggClient[] clients = new SecAggClient[n];
        for (int i = 0; i < n; i++) {
            clients[i] = new SecAggClient(parameters, i, signers.get(i), verifiers::get);
        }
        long[] clientNanos = new long[n];
        long[] clientMaskNanos = new long[n];
        long[] sent = new long[n];
        long[] received = new long[n];
        long serverNanos = 0;
        long serverCpu = 0; // CPU time (this thread and the ForkJoin workers) while the server works
        long c;
        Random random = new Random(Arrays.hashCode(nonce));

        Set<Integer> alive = new TreeSet<>();
        for (int i = 0; i < n; i++) {
            alive.add(i);
        }
        Set<Integer> dropped = pick((int) Math.round(DROPOUT * n), n, random); // a different 10% each round

        // Stage 0: advertise keys.
        for (int i : alive) {
            long t = System.nanoTime();
            AdvertisedKeys keys = clients[i].advertiseKeys();
            clientNanos[i] += System.nanoTime() - t;
            sent[i] += keys.encode().length;
            c = cpu();
            t = System.nanoTime();
            server.receiveKeys(keys);
            serverNanos += System.nanoTime() - t;
            serverCpu += cpu() - c;
        }
        c = cpu();
        long t0 = System.nanoTime();
        Map<Integer, List<AdvertisedKeys>> relayedKeys = server.closeAdvertiseKeys();
        serverNanos += System.nanoTime() - t0;
        serverCpu += cpu() - c;

        // Stage 1: share keys.
        for (int i : alive) {
            received[i] += relayedKeys.get(i).stream()
                    .mapToLong(k -> k.encode().length)
                    .sum();
            long t = System.nanoTime();
            List<EncryptedShare> shares = clients[i].shareKeys(relayedKeys.get(i));
            clientNanos[i] += System.nanoTime() - t;
            sent[i] += shares.stream().mapToLong(SecAggBenchmark::bytes).sum();
            c = cpu();
            t = System.nanoTime();
            server.receiveShares(shares);
            serverNanos += System.nanoTime() - t;
            serverCpu += cpu() - c;
        }
        c = cpu();
        t0 = System.nanoTime();
        Map<Integer, List<EncryptedShare>> relayedShares = server.closeShareKeys();
        serverNanos += System.nanoTime() - t0;
        serverCpu += cpu() - c;
        alive.removeAll(dropped);

        // Stage 2: masked input, uploaded in chunks and folded into the running sum as they arrive.
        for (int i : alive) {
            received[i] += relayedShares.get(i).stream()
                    .mapToLong(SecAggBenchmark::bytes)
                    .sum();
            long t = System.nanoTime();
            MaskedInput masked = clients[i].maskInput(relayedShares.get(i), inputs[i]);
            List<MaskedInputChunk> chunks = masked.chunks(CHUNK_VALUES);
            long elapsed = System.nanoTime() - t;
            clientNanos[i] += elapsed;
            clientMaskNanos[i] += elapsed;
            for (MaskedInputChunk chunk : chunks) {
                sent[i] += bytes(chunk);
                c = cpu();
                t = System.nanoTime();
                server.receiveMaskedChunk(chunk);
                serverNanos += System.nanoTime() - t;
                serverCpu += cpu() - c;
            }
        }
        c = cpu();
        t0 = System.nanoTime();
        ConsistencyRequest consistency = server.closeMaskedInput();
        serverNanos += System.nanoTime() - t0;
        serverCpu += cpu() - c;

        // Stage 3: consistency check.
        for (int i : alive) {
            received[i] += NONCE_BYTES + (long) INT_FIELD * consistency.survivors().length;
            long t = System.nanoTime();
            ConsistencySignature signature = clients[i].checkConsistency(consistency);
            clientNanos[i] += System.nanoTime() - t;
            sent[i] += NONCE_BYTES + INT_FIELD + signature.signature().length;
            c = cpu();
            t = System.nanoTime();
            server.receiveConsistencySignature(signature);
            serverNanos += System.nanoTime() - t;
            serverCpu += cpu() - c;
        }
        c = cpu();
        t0 = System.nanoTime();
        Map<Integer, UnmaskRequest> unmaskRequests = server.closeConsistencyCheck();
        serverNanos += System.nanoTime() - t0;
        serverCpu += cpu() - c;

        // Stage 4: unmasking.
        for (int i : alive) {
            UnmaskRequest request = unmaskRequests.get(i);
            received[i] += bytes(request);
            long t = System.nanoTime();
            UnmaskResponse response = clients[i].unmask(request);
            clientNanos[i] += System.nanoTime() - t;
            sent[i] += bytes(response);
            c = cpu();
            t = System.nanoTime();
            server.receiveUnmaskResponse(response);
            serverNanos += System.nanoTime() - t;
            serverCpu += cpu() - c;
        }
        c = cpu();
        t0 = System.nanoTime();
        AggregateSum sum = server.finish();
        long serverUnmaskNanos = System.nanoTime() - t0;
        serverNanos += serverUnmaskNanos;
        serverCpu += cpu() - c;

        // Plaintext aggregation of the same quantized updates over the same survivors.
        long clientPlainNanos = 0;
        long serverPlainNanos = 0;
        long serverPlainCpu = 0;
        long plainBytes = 0;
        int[] plainSum = new int[length];
        for (int i : alive) {
            long t = System.nanoTime();
            List<int[]> chunks = new ArrayList<>();
            for (int offset = 0; offset < length; offset += CHUNK_VALUES) {
                chunks.add(Arrays.copyOfRange(inputs[i], offset, Math.min(length, offset + CHUNK_VALUES)));
            }
            clientPlainNanos += System.nanoTime() - t;
            int offset = 0;
            for (int[] chunk : chunks) {
                plainBytes += NONCE_BYTES + 3L * INT_FIELD + (long) INT_FIELD * chunk.length;
                c = cpu();
                t = System.nanoTime();
                addInto(plainSum, offset, chunk);
                serverPlainNanos += System.nanoTime() - t;
                serverPlainCpu += cpu() - c;
                offset += chunk.length;
            }
        }
        if (!Arrays.equals(sum.sum(), plainSum)) {
            throw new IllegalStateException("Secure sum differs from the plaintext sum for n=" + n + ", " + length
                    + " parameters: the protocol is broken");
        }

        int survivors = alive.size();
        double perSite = 1.0 / survivors;
        return new Row(
                n,
                length,
                parameters.degree(),
                parameters.threshold(),
                dropped.size(),
                alive.stream().mapToLong(i -> clientNanos[i]).sum() * perSite,
                alive.stream().mapToLong(i -> clientMaskNanos[i]).sum() * perSite,
                clientPlainNanos * perSite,
                serverNanos,
                serverUnmaskNanos,
                serverPlainNanos,
                serverCpu,
                serverPlainCpu,
                alive.stream().mapToLong(i -> sent[i]).sum() * perSite,
                alive.stream().mapToLong(i -> received[i]).sum() * perSite,
                plainBytes * perSite,
                0);
    }

    /** The median of each measurement over repeated rounds (the machine is shared; medians resist noise). */
    private static Row median(List<Row> rows, double quantizeNanos) {
        Row first = rows.get(0);
        return new Row(
                first.sites(),
                first.parameters(),
                first.degree(),
                first.threshold(),
                first.dropped(),
                median(rows, Row::clientNanos),
                median(rows, Row::clientMaskNanos),
                median(rows, Row::clientPlainNanos),
                median(rows, Row::serverNanos),
                median(rows, Row::serverUnmaskNanos),
                median(rows, Row::serverPlainNanos),
                median(rows, Row::serverCpuNanos),
                median(rows, Row::serverPlainCpuNanos),
                median(rows, Row::bytesSent),
                median(rows, Row::bytesReceived),
                median(rows, Row::bytesPlain),
                quantizeNanos);
    }

    private static double median(List<Row> rows, java.util.function.ToDoubleFunction<Row> metric) {
        double[] values = rows.stream().mapToDouble(metric).sorted().toArray();
        return values[values.length / 2];
    }

    /**
     * CPU time of this thread and the ForkJoin workers, to the nanosecond (the unmasking runs on the
     * ForkJoin pool; the process total from the OS moves in 10 ms ticks, too coarse for one chunk).
     */
    private static long cpu() {
        return MaskThroughput.workCpuNanos();
    }

    private static void addInto(int[] sum, int offset, int[] values) {
        for (int k = 0; k < values.length; k++) {
            sum[offset + k] += values[k];
        }
    }

    private static Set<Integer> pick(int count, int n, Random random) {
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add(i);
        }
        java.util.Collections.shuffle(all, random);
        return new TreeSet<>(all.subList(0, count));
    }

    private static long bytes(EncryptedShare share) {
        return NONCE_BYTES + 2L * INT_FIELD + share.ciphertext().length;
    }

    private static long bytes(MaskedInputChunk chunk) {
        return NONCE_BYTES + 2L * INT_FIELD + (long) INT_FIELD * (chunk.values().length + 1);
    }

    private static long bytes(UnmaskRequest request) {
        long signatures = request.signatures().stream()
                .mapToLong(s -> NONCE_BYTES + INT_FIELD + s.signature().length)
                .sum();
        return NONCE_BYTES
                + INT_FIELD
                + signatures
                + (long) INT_FIELD
                        * (request.survivors().length + request.selfMaskOwners().length + request.keyOwners().length);
    }

    private static long bytes(UnmaskResponse response) {
        long shares = 0;
        for (RevealedShare share : response.selfMaskShares()) {
            shares += INT_FIELD + share.share().length;
        }
        for (RevealedShare share : response.keyShares()) {
            shares += INT_FIELD + share.share().length;
        }
        return NONCE_BYTES + INT_FIELD + shares;
    }

    private static void printTable(List<Row> rows, int repeats) {
        System.out.println();
        System.out.printf(
                Locale.ROOT,
                "SecAgg+ vs plaintext aggregation of the same quantized updates, %d%% dropout after" + " share keys%n",
                Math.round(DROPOUT * 100));
        System.out.println("client = one surviving site's compute over all stages (mask = of which stage 2);"
                + " server = coordinator compute over all stages (unmask = finish()); medians of " + repeats
                + " rounds.");
        System.out.println("plain = the same quantized updates cut into the same chunks (client) and summed (server);"
                + " quant = quantizing one site's update (needed by both).");
        String header = String.format(
                Locale.ROOT,
                "%4s %6s %3s %3s %4s | %9s %9s %8s %8s | %9s %9s %8s %7s | %9s %9s %7s | %9s %9s %6s %9s | %8s",
                "n",
                "params",
                "k",
                "t",
                "drop",
                "client ms",
                "mask ms",
                "plain ms",
                "ratio",
                "server ms",
                "unmask ms",
                "plain ms",
                "ratio",
                "srv CPU",
                "plain CPU",
                "ratio",
                "sent/site",
                "plain",
                "ratio",
                "recv/site",
                "quant ms");
        System.out.println(header);
        System.out.println("-".repeat(header.length()));
        for (Row r : rows) {
            System.out.printf(
                    Locale.ROOT,
                    "%4d %6s %3d %3d %4d | %9.2f %9.2f %8.3f %7.0fx | %9.1f %9.1f %8.2f %6.1fx | %9.1f %9.2f %6.1fx"
                            + " | %9s %9s %5.3fx %9s | %8.2f%n",
                    r.sites(),
                    count(r.parameters()),
                    r.degree(),
                    r.threshold(),
                    r.dropped(),
                    r.clientNanos() / 1e6,
                    r.clientMaskNanos() / 1e6,
                    r.clientPlainNanos() / 1e6,
                    r.clientNanos() / r.clientPlainNanos(),
                    r.serverNanos() / 1e6,
                    r.serverUnmaskNanos() / 1e6,
                    r.serverPlainNanos() / 1e6,
                    r.serverNanos() / r.serverPlainNanos(),
                    r.serverCpuNanos() / 1e6,
                    r.serverPlainCpuNanos() / 1e6,
                    r.serverCpuNanos() / r.serverPlainCpuNanos(),
                    size(r.bytesSent()),
                    size(r.bytesPlain()),
                    r.bytesSent() / r.bytesPlain(),
                    size(r.bytesReceived()),
                    r.quantizeNanos() / 1e6);
        }
    }

    private static void printMaskRates() {
        int masks = 64;
        int length = 1 << 20;
        long bytes = (long) Integer.BYTES * length * masks;
        int threads = Runtime.getRuntime().availableProcessors();
        Rate raw1 = best(7, () -> MaskThroughput.rawKeystream(bytes, masks, 1), bytes);
        Rate rawN = best(7, () -> MaskThroughput.rawKeystream(bytes, masks, threads), bytes);
        Rate before = best(3, () -> MaskThroughput.onePassPerMask(length, masks), bytes);
        Rate fused1 = best(7, () -> MaskThroughput.maskExpansion(length, masks, 1), bytes);
        Rate fusedN = best(7, () -> MaskThroughput.maskExpansion(length, masks, threads), bytes);
        System.out.println();
        System.out.printf(
                Locale.ROOT,
                "Mask expansion, %d masks onto a 1M-int vector (4 MiB), against the raw AES-128-CTR keystream of the"
                        + " same JCE cipher, in GB/s by wall clock and per CPU-second (this thread and the ForkJoin workers):%n",
                masks);
        System.out.printf(Locale.ROOT, "  raw keystream, 1 thread              %s%n", raw1);
        System.out.printf(Locale.ROOT, "  raw keystream, %2d threads            %s%n", threads, rawN);
        System.out.printf(
                Locale.ROOT,
                "  before: one pass per mask, new cipher %s = %.0f%% of raw (1 thread) by wall%n",
                before,
                100 * before.wall() / raw1.wall());
        System.out.printf(
                Locale.ROOT,
                "  fused blocks, reused ciphers, 1 thread %s = %.0f%% of raw by wall, %.0f%% by CPU (target >= 80%%)%n",
                fused1,
                100 * fused1.wall() / raw1.wall(),
                100 * fused1.cpu() / raw1.cpu());
        System.out.printf(
                Locale.ROOT,
                "  fused, %2d threads                    %s = %.0f%% of raw (%d threads) by wall, %.0f%% by CPU;"
                        + " %.1fx the one-pass-per-mask expansion by wall%n",
                threads,
                fusedN,
                100 * fusedN.wall() / rawN.wall(),
                threads,
                100 * fusedN.cpu() / rawN.cpu(),
                fusedN.wall() / before.wall());

        int agreements = 400;
        MaskThroughput.x25519(agreements, false); // warm-up
        MaskThroughput.x25519(agreements, true);
        MaskThroughput.Timing bc = MaskThroughput.x25519(agreements, false);
        MaskThroughput.Timing jdk = MaskThroughput.x25519(agreements, true);
        System.out.printf(
                Locale.ROOT,
                "X25519 agreement: Bouncy Castle %.1f us wall / %.1f us CPU, JDK XDH %.1f us wall / %.1f us CPU"
                        + " (same raw keys, equal secrets): %s%n",
                bc.wallNanos() / 1e3 / agreements,
                bc.cpuNanos() / 1e3 / agreements,
                jdk.wallNanos() / 1e3 / agreements,
                jdk.cpuNanos() / 1e3 / agreements,
                jdk.cpuNanos() < bc.cpuNanos()
                        ? "the JDK is faster"
                        : "Bouncy Castle is faster, so the protocol keeps it");
    }

    /** Throughput in GB/s by wall clock and per CPU-second. */
    private record Rate(double wall, double cpu) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%6.2f GB/s wall, %6.2f GB/s per CPU-s", wall, cpu);
        }
    }

    /** Best of {@code repeats} by wall clock and by CPU time, separately (the machine is shared). */
    private static Rate best(int repeats, java.util.function.Supplier<MaskThroughput.Timing> run, long bytes) {
        long wall = Long.MAX_VALUE;
        long cpu = Long.MAX_VALUE;
        for (int rep = 0; rep < repeats; rep++) {
            MaskThroughput.Timing t = run.get();
            wall = Math.min(wall, t.wallNanos());
            cpu = Math.min(cpu, Math.max(1, t.cpuNanos()));
        }
        return new Rate(bytes / (double) wall, bytes / (double) cpu);
    }

    private static String count(int value) {
        return value >= 1_000_000 ? value / 1_000_000 + "M" : value / 1_000 + "k";
    }

    private static String size(double bytes) {
        if (bytes >= 1 << 20) {
            return String.format(Locale.ROOT, "%.2f MiB", bytes / (1 << 20));
        }
        return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024);
    }
}
