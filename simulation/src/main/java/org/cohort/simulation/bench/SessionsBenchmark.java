package org.cohort.simulation.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.cohort.client.CoordinatorClient;
import org.cohort.simulation.ChildProcesses;
import org.cohort.simulation.CommandLines;
import org.cohort.simulation.InProcessCoordinator;
import org.cohort.simulation.LightAgent;
import org.cohort.simulation.LocalCoordinator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;

/**
 * Many sites on one coordinator: N agent sessions (default 1,000) held at once, with heartbeats.
 *
 * <p>The coordinator is the real one with its embedded defaults (H2, single-member Hazelcast),
 * run as a child JVM so that its heap, threads, file descriptors and CPU are measured apart from
 * the simulated agents, which run in this JVM as {@link LightAgent}s: each enrolls with its own
 * one-time token (real CSR, real certificate) and holds its own mutual-TLS session, all sharing
 * one Netty event loop group. The run: enroll N sites; measure the heartbeat round trip with one
 * session (the baseline); open N sessions at once; hold them for the given time with heartbeats
 * at the given interval; close them all. Heartbeat round trip = agent sends Heartbeat, the
 * coordinator records it and answers HeartbeatAck, the agent receives it (System.nanoTime on the
 * agent side, so no clocks are compared). Resource figures are read from the coordinator process
 * over JMX (the Attach API), heap after two full GCs; "per session" = (with N sessions − before) / N.
 *
 * <p>Options: {@code --sessions 1000 --seconds 60 --heartbeat-seconds 5 --enroll-concurrency 8}
 * (the defaults; {@code --help} lists them).
 * Run with the simulation classpath and the project's JVM flags ({@code ./bench.sh SessionsBenchmark}).
 * Not a test: nothing is asserted about time.
 */
public final class SessionsBenchmark {
    private static final int BASELINE_HEARTBEATS = 200;
    private static final Duration BASELINE_SPACING = Duration.ofMillis(50);
    private static final Duration BASELINE_WARMUP = Duration.ofSeconds(2);
    private static final Duration OPEN_TIMEOUT = Duration.ofSeconds(180);
    private static final Duration ACK_GRACE = Duration.ofSeconds(10);
    private static final Duration IDLE_WINDOW = Duration.ofSeconds(10);

    private SessionsBenchmark() {}

    private record Options(int sessions, int seconds, int heartbeatSeconds, int enrollConcurrency) {}

    public static void main(String[] args) {
        CommandLines.exit(new Arguments(), args);
    }

    /** The command line ({@code ./bench.sh SessionsBenchmark --help}): how many sessions, held how long. */
    @Command(
            name = "./bench.sh SessionsBenchmark",
            mixinStandardHelpOptions = true,
            description = "N agent sessions held at once by one coordinator (a child JVM), with heartbeats: the"
                    + " coordinator's memory, threads and file descriptors per session, and the heartbeat round trip"
                    + " against one session's.")
    static final class Arguments implements Callable<Integer> {
        @Option(
                names = "--sessions",
                paramLabel = "N",
                defaultValue = "1000",
                converter = BenchNumbers.PositiveInt.class,
                description = "agent sessions (default ${DEFAULT-VALUE})")
        int sessions;

        @Option(
                names = "--seconds",
                paramLabel = "S",
                defaultValue = "60",
                converter = BenchNumbers.PositiveInt.class,
                description = "how long they are held (default ${DEFAULT-VALUE})")
        int seconds;

        @Option(
                names = "--heartbeat-seconds",
                paramLabel = "S",
                defaultValue = "5",
                converter = BenchNumbers.PositiveInt.class,
                description = "heartbeat interval (default ${DEFAULT-VALUE})")
        int heartbeatSeconds;

        @Option(
                names = "--enroll-concurrency",
                paramLabel = "N",
                defaultValue = "8",
                converter = BenchNumbers.PositiveInt.class,
                description = "enrollments in flight at once (default ${DEFAULT-VALUE})")
        int enrollConcurrency;

        @Override
        public Integer call() throws Exception {
            quietLibraries();
            return run(new Options(sessions, seconds, heartbeatSeconds, enrollConcurrency));
        }
    }

    private static int run(Options o) throws Exception {
        var out = System.out;
        int n = o.sessions();
        Path work = Files.createTempDirectory("cohort-sessions-bench");
        out.printf(
                Locale.ROOT,
                "Cohort sessions benchmark: %d agent sessions held %d s by one coordinator, heartbeats every"
                        + " %d s%n",
                n,
                o.seconds(),
                o.heartbeatSeconds());
        out.printf(
                Locale.ROOT,
                "%d processors, %s %s; coordinator = child JVM (-Xmx1g), agents = this JVM (-Xmx%d MiB)%n",
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.name"),
                System.getProperty("java.version"),
                Runtime.getRuntime().maxMemory() >> 20);
        out.println("work directory: " + work);
        long benchStart = System.nanoTime();

        try (var children = new ChildProcesses();
                var shared = new LightAgent.Shared(2)) {
            int restPort = ChildProcesses.freePort();
            Path dataDir = work.resolve("coordinator");
            Path log = work.resolve("coordinator.log");
            out.print("starting coordinator ");
            Process coordinator = children.start(
                    "coordinator",
                    CoordinatorProbe.class.getName(),
                    List.of(
                            "--cohort.coordinator.data-dir=" + dataDir,
                            "--server.port=" + restPort,
                            "--cohort.coordinator.grpc-port=0",
                            "--cohort.coordinator.grpc-address=127.0.0.1",
                            InProcessCoordinator.LOOPBACK_SITES,
                            "--cohort.coordinator.heartbeat-interval=" + o.heartbeatSeconds() + "s",
                            "--cohort.coordinator.cluster.name=cohort-bench-" + UUID.randomUUID(),
                            "--cohort.coordinator.cluster.port=" + ChildProcesses.freePort()),
                    log);
            CoordinatorClient api = LocalCoordinator.awaitStarted(
                    dataDir, restPort, Duration.ofSeconds(180), coordinator::isAlive, log);
            JsonNode status = api.status();
            String address = "localhost:" + status.get("agentPort").asInt();
            out.printf(" up (pid %d), agent port %s; log %s%n", coordinator.pid(), address, log);
            try (var probe = CoordinatorProbe.Client.attach(coordinator.pid())) {
                return measure(o, api, probe, shared, address, out);
            }
        } finally {
            out.printf(Locale.ROOT, "%nTotal benchmark time %.1f s%n", (System.nanoTime() - benchStart) / 1e9);
        }
    }

    private static int measure(
            Options o,
            CoordinatorClient api,
            CoordinatorProbe.Client probe,
            LightAgent.Shared shared,
            String address,
            java.io.PrintStream out)
            throws Exception {
        int n = o.sessions();
        CoordinatorProbe.Snapshot idle = probe.snapshot(true);

        // Enrollment tokens (the admin's REST calls), then enrollment (the agents' gRPC calls).
        out.printf("issuing %d enrollment tokens ...%n", n + 1);
        long t = System.nanoTime();
        List<String> tokens = new ArrayList<>();
        String fingerprint = null;
        for (int i = 0; i <= n; i++) {
            JsonNode token = api.enrollment().token(siteName(i, n), Duration.ofMinutes(120));
            tokens.add(token.get("token").asString());
            fingerprint = token.get("caFingerprint").asString();
        }
        double tokenSeconds = (System.nanoTime() - t) / 1e9;
        out.printf(Locale.ROOT, "  %d tokens in %.1f s%n", n + 1, tokenSeconds);

        out.printf("enrolling %d sites (%d at a time: fresh keys, CSR, CA-pinned TLS) ...%n", n, o.enrollConcurrency());
        long cpu0 = probe.cpuNanos();
        long agentsCpu0 = AgentsJvm.cpuNanos();
        t = System.nanoTime();
        var enrolled = enrollAll(shared, address, fingerprint, tokens.subList(0, n), n, o.enrollConcurrency(), out);
        double enrollSeconds = (System.nanoTime() - t) / 1e9;
        double enrollCpuMs =
                (probe.cpuNanos() - cpu0) / 1e6 / Math.max(1, enrolled.agents().size());
        double enrollAgentsCpuMs = (AgentsJvm.cpuNanos() - agentsCpu0)
                / 1e6
                / Math.max(1, enrolled.agents().size());
        out.printf(
                Locale.ROOT,
                "  %d enrolled, %d failed in %.1f s (%.0f per second)%n",
                enrolled.agents().size(),
                enrolled.failed(),
                enrollSeconds,
                enrolled.agents().size() / enrollSeconds);
        if (enrolled.firstError() != null) {
            out.println("  first enrollment error: " + enrolled.firstError());
        }
        List<LightAgent> agents = enrolled.agents();

        // Let the JIT and the enrollment backlog settle before timing anything.
        out.printf("settling for %d s ...%n", IDLE_WINDOW.toSeconds());
        Thread.sleep(IDLE_WINDOW.toMillis());

        // Baseline: the same measurement with one session.
        out.printf(
                Locale.ROOT,
                "baseline: 1 session, %d heartbeats %d ms apart ...%n",
                BASELINE_HEARTBEATS,
                BASELINE_SPACING.toMillis());
        LightAgent single = LightAgent.enroll(shared, address, fingerprint, tokens.get(n), siteName(n, n));
        single.connect(Set.of(), BASELINE_SPACING).get(60, java.util.concurrent.TimeUnit.SECONDS);
        Thread.sleep(BASELINE_WARMUP.toMillis());
        long baselineFrom = System.nanoTime();
        Thread.sleep(BASELINE_SPACING.toMillis() * BASELINE_HEARTBEATS);
        long baselineTo = System.nanoTime();
        single.stopHeartbeats();
        awaitAcks(List.of(single), baselineFrom, baselineTo);
        Window baseline = window(List.of(single), baselineFrom, baselineTo);
        single.close();
        single.awaitClosed(Duration.ofSeconds(10));
        awaitConnected(api, 0, Duration.ofSeconds(30));

        CoordinatorProbe.Snapshot before = probe.snapshot(true);
        AgentsJvm agentsBefore = AgentsJvm.now();

        // Open all sessions at once.
        out.printf("opening %d sessions (mutual TLS, hello, welcome) ...%n", agents.size());
        cpu0 = probe.cpuNanos();
        agentsCpu0 = AgentsJvm.cpuNanos();
        t = System.nanoTime();
        List<CompletableFuture<?>> welcomes = new ArrayList<>();
        for (LightAgent agent : agents) {
            welcomes.add(agent.connect(Set.of(), null));
        }
        int opened = awaitWelcomes(welcomes, out);
        double openSeconds = (System.nanoTime() - t) / 1e9;
        double openCpuMs = (probe.cpuNanos() - cpu0) / 1e6 / Math.max(1, opened);
        double openAgentsCpuMs = (AgentsJvm.cpuNanos() - agentsCpu0) / 1e6 / Math.max(1, opened);
        int openFailed = agents.size() - opened;
        out.printf(
                Locale.ROOT,
                "  %d open, %d failed in %.1f s; the coordinator reports %d connected%n",
                opened,
                openFailed,
                openSeconds,
                api.status().get("connectedSites").asInt());

        // Hold them, heartbeats flowing.
        out.printf("holding for %d s ...%n", o.seconds());
        long holdFrom = System.nanoTime();
        long holdCpu0 = probe.cpuNanos();
        long holdTo = holdFrom + o.seconds() * 1_000_000_000L;
        long lastCpu = holdCpu0;
        long lastTick = holdFrom;
        while (System.nanoTime() < holdTo) {
            Thread.sleep(Math.min(10_000, Math.max(1, (holdTo - System.nanoTime()) / 1_000_000)));
            long now = System.nanoTime();
            long cpu = probe.cpuNanos();
            Window w = window(agents, holdFrom, now);
            out.printf(
                    Locale.ROOT,
                    "  %3.0f s: %d sessions open, %d heartbeats sent, %d acknowledged, coordinator CPU"
                            + " %.1f%% of one core%n",
                    (now - holdFrom) / 1e9,
                    openSessions(agents, welcomes),
                    w.sent(),
                    w.acknowledged(),
                    100.0 * (cpu - lastCpu) / (now - lastTick));
            lastCpu = cpu;
            lastTick = now;
        }
        long holdCpu = probe.cpuNanos() - holdCpu0;
        long holdNanos = System.nanoTime() - holdFrom;
        agents.forEach(LightAgent::stopHeartbeats);
        awaitAcks(agents, holdFrom, holdTo);
        Window held = window(agents, holdFrom, holdTo);
        int stillOpen = openSessions(agents, welcomes);
        int connected = api.status().get("connectedSites").asInt();
        CoordinatorProbe.Snapshot with = probe.snapshot(true);
        AgentsJvm agentsWith = AgentsJvm.now();

        // Close them all.
        out.printf("closing %d sessions ...%n", agents.size());
        t = System.nanoTime();
        agents.forEach(LightAgent::close);
        for (LightAgent agent : agents) {
            agent.awaitClosed(Duration.ofSeconds(10));
        }
        boolean allGone = awaitConnected(api, 0, Duration.ofSeconds(60));
        double closeSeconds = (System.nanoTime() - t) / 1e9;
        CoordinatorProbe.Snapshot after = probe.snapshot(true);

        // The coordinator's own background CPU with no session (as warm as while holding).
        out.printf("coordinator at rest for %d s (0 sessions) ...%n", IDLE_WINDOW.toSeconds());
        long idleCpu0 = probe.cpuNanos();
        long idleFrom = System.nanoTime();
        Thread.sleep(IDLE_WINDOW.toMillis());
        double idleCpuShare = (probe.cpuNanos() - idleCpu0) / (double) (System.nanoTime() - idleFrom);

        // Report.
        out.println();
        out.printf(
                Locale.ROOT,
                "Sessions: %d requested, %d open, %d failed to open, %d lost while held;"
                        + " coordinator saw %d connected at the end of the hold, %s after close (%.1f s)%n",
                n,
                opened,
                n - opened,
                opened - stillOpen,
                connected,
                allGone ? "0" : "some still",
                closeSeconds);
        out.printf(
                Locale.ROOT,
                "Enrollment: %d sites in %.1f s (%.1f ms each, %d at a time; tokens %.1f s more),"
                        + " %d failed; CPU per enrollment: coordinator %.1f ms, agent %.1f ms%n",
                enrolled.agents().size(),
                enrollSeconds,
                1000 * enrollSeconds / Math.max(1, enrolled.agents().size()),
                o.enrollConcurrency(),
                tokenSeconds,
                enrolled.failed(),
                enrollCpuMs,
                enrollAgentsCpuMs);
        out.printf(
                Locale.ROOT,
                "Opening: %d sessions at once in %.1f s; CPU per session (TLS handshake, auth, hello):"
                        + " coordinator %.2f ms, agent %.2f ms%n",
                opened,
                openSeconds,
                openCpuMs,
                openAgentsCpuMs);
        out.println();
        String header = String.format(
                Locale.ROOT,
                "%-28s %12s %14s %16s %14s %12s",
                "Coordinator process",
                "idle",
                "before (0)",
                "with " + opened,
                "per session",
                "after close");
        out.println(header);
        out.println("-".repeat(header.length()));
        row(
                out,
                "heap used after full GC",
                idle.heapUsed(),
                before.heapUsed(),
                with.heapUsed(),
                after.heapUsed(),
                opened,
                true);
        row(
                out,
                "direct: JDK buffer pool",
                idle.directBuffers(),
                before.directBuffers(),
                with.directBuffers(),
                after.directBuffers(),
                opened,
                true);
        row(
                out,
                "direct: Netty's count (*)",
                idle.nettyDirect(),
                before.nettyDirect(),
                with.nettyDirect(),
                after.nettyDirect(),
                opened,
                true);
        row(
                out,
                "resident set (RSS)",
                idle.residentBytes(),
                before.residentBytes(),
                with.residentBytes(),
                after.residentBytes(),
                opened,
                true);
        row(out, "Java threads", idle.threads(), before.threads(), with.threads(), after.threads(), opened, false);
        row(
                out,
                "file descriptors",
                idle.fileDescriptors(),
                before.fileDescriptors(),
                with.fileDescriptors(),
                after.fileDescriptors(),
                opened,
                false);
        int cores = Runtime.getRuntime().availableProcessors();
        double cpuShare = holdCpu / (double) holdNanos;
        out.printf(
                Locale.ROOT,
                "%-28s %.1f%% of one core (%.1f%% of the machine's %d) holding %d sessions,"
                        + " %.1f heartbeats/s; %.1f%% of one core at rest after close%n",
                "CPU",
                100 * cpuShare,
                100 * cpuShare / cores,
                cores,
                stillOpen,
                held.sent() / (holdNanos / 1e9),
                100 * idleCpuShare);
        out.println("(*) Netty counts all direct memory it allocates; when it allocates through the JDK (the default),"
                + " the same bytes are in the JDK pool");
        out.println();
        String lh = String.format(
                Locale.ROOT,
                "%-40s %7s %9s %9s %9s %9s %9s",
                "Heartbeat round trip (ms)",
                "count",
                "p50",
                "p90",
                "p99",
                "max",
                "lost");
        out.println(lh);
        out.println("-".repeat(lh.length()));
        latencyRow(
                out,
                String.format(Locale.ROOT, "1 session (%d ms apart, baseline)", BASELINE_SPACING.toMillis()),
                baseline);
        latencyRow(
                out, String.format(Locale.ROOT, "%d sessions (each every %d s)", opened, o.heartbeatSeconds()), held);
        out.printf(
                Locale.ROOT,
                "heartbeats while holding: %d sent, %d acknowledged, %d lost (no ack within %d s of" + " the end)%n",
                held.sent(),
                held.acknowledged(),
                held.sent() - held.acknowledged(),
                ACK_GRACE.toSeconds());
        out.println();
        long agentsHeap = agentsWith.heapUsed() - agentsBefore.heapUsed();
        out.printf(
                Locale.ROOT,
                "Agents' JVM (the simulated sites, not the coordinator): %d threads with %d sessions"
                        + " (%d before); heap after GC %+.1f MiB with the sessions open (%s per agent)%n",
                agentsWith.threads(),
                opened,
                agentsBefore.threads(),
                agentsHeap / 1048576.0,
                kib(agentsHeap / (double) Math.max(1, opened)));
        return opened == n && stillOpen == opened ? 0 : 1;
    }

    private record Enrolled(List<LightAgent> agents, int failed, String firstError) {}

    /** Enrolls on virtual threads, at most {@code concurrency} at a time; agents in site order. */
    private static Enrolled enrollAll(
            LightAgent.Shared shared,
            String address,
            String fingerprint,
            List<String> tokens,
            int n,
            int concurrency,
            java.io.PrintStream out)
            throws InterruptedException {
        var agents = new LightAgent[tokens.size()];
        var done = new AtomicInteger();
        var failed = new AtomicInteger();
        var firstError = new AtomicReference<String>();
        var permits = new Semaphore(concurrency);
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < tokens.size(); i++) {
                int site = i;
                executor.submit(() -> {
                    permits.acquireUninterruptibly();
                    try {
                        agents[site] =
                                LightAgent.enroll(shared, address, fingerprint, tokens.get(site), siteName(site, n));
                    } catch (RuntimeException e) {
                        failed.incrementAndGet();
                        firstError.compareAndSet(null, e.toString());
                    } finally {
                        permits.release();
                        done.incrementAndGet();
                    }
                });
            }
            long lastShown = System.nanoTime();
            while (done.get() < tokens.size()) {
                Thread.sleep(100);
                if (System.nanoTime() - lastShown > 5_000_000_000L) {
                    out.printf("  %d of %d enrolled%n", done.get() - failed.get(), tokens.size());
                    lastShown = System.nanoTime();
                }
            }
        }
        return new Enrolled(
                Arrays.stream(agents).filter(java.util.Objects::nonNull).toList(), failed.get(), firstError.get());
    }

    /** Waits until every welcome arrived or failed, or the timeout; returns how many arrived. */
    private static int awaitWelcomes(List<CompletableFuture<?>> welcomes, java.io.PrintStream out)
            throws InterruptedException {
        long deadline = System.nanoTime() + OPEN_TIMEOUT.toNanos();
        long lastShown = System.nanoTime();
        while (System.nanoTime() < deadline && !welcomes.stream().allMatch(CompletableFuture::isDone)) {
            Thread.sleep(50);
            if (System.nanoTime() - lastShown > 2_000_000_000L) {
                out.printf("  %d of %d open%n", succeeded(welcomes), welcomes.size());
                lastShown = System.nanoTime();
            }
        }
        return succeeded(welcomes);
    }

    private static int succeeded(List<CompletableFuture<?>> futures) {
        return (int) futures.stream()
                .filter(f -> f.isDone() && !f.isCompletedExceptionally())
                .count();
    }

    private static int openSessions(List<LightAgent> agents, List<CompletableFuture<?>> welcomes) {
        int open = 0;
        for (int i = 0; i < agents.size(); i++) {
            var w = welcomes.get(i);
            if (w.isDone()
                    && !w.isCompletedExceptionally()
                    && !agents.get(i).ended().isDone()) {
                open++;
            }
        }
        return open;
    }

    /** The heartbeats sent in [from, to): how many, how many acknowledged, and their round trips sorted. */
    private record Window(int sent, int acknowledged, long[] sortedRoundTrips) {}

    private static Window window(List<LightAgent> agents, long from, long to) {
        int sent = 0;
        var trips = new ArrayList<Long>();
        for (LightAgent agent : agents) {
            for (var h : agent.heartbeats()) {
                if (h.sentAtNanos() - from >= 0 && h.sentAtNanos() - to < 0) {
                    sent++;
                    if (h.acknowledged()) {
                        trips.add(h.roundTripNanos());
                    }
                }
            }
        }
        long[] sorted = trips.stream().mapToLong(Long::longValue).sorted().toArray();
        return new Window(sent, sorted.length, sorted);
    }

    private static void awaitAcks(List<LightAgent> agents, long from, long to) throws InterruptedException {
        long deadline = System.nanoTime() + ACK_GRACE.toNanos();
        while (System.nanoTime() < deadline) {
            Window w = window(agents, from, to);
            if (w.acknowledged() == w.sent()) {
                return;
            }
            Thread.sleep(50);
        }
    }

    private static boolean awaitConnected(CoordinatorClient api, int expected, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (api.status().get("connectedSites").asInt() == expected) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    /** This JVM (the agents), measured after a GC. */
    private record AgentsJvm(long heapUsed, int threads) {
        static long cpuNanos() {
            return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                    ? os.getProcessCpuTime()
                    : -1;
        }

        static AgentsJvm now() {
            System.gc();
            System.gc();
            return new AgentsJvm(
                    ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(),
                    ManagementFactory.getThreadMXBean().getThreadCount());
        }
    }

    private static void row(
            java.io.PrintStream out,
            String what,
            long idle,
            long before,
            long with,
            long after,
            int sessions,
            boolean bytes) {
        if (with < 0) {
            out.printf(Locale.ROOT, "%-28s %12s%n", what, "n/a");
            return;
        }
        double per = (with - before) / (double) Math.max(1, sessions);
        if (bytes) {
            out.printf(
                    Locale.ROOT,
                    "%-28s %12s %14s %16s %14s %12s%n",
                    what,
                    mib(idle),
                    mib(before),
                    mib(with),
                    kib(per),
                    mib(after));
        } else {
            out.printf(Locale.ROOT, "%-28s %12d %14d %16d %14.2f %12d%n", what, idle, before, with, per, after);
        }
    }

    private static void latencyRow(java.io.PrintStream out, String what, Window w) {
        long[] s = w.sortedRoundTrips();
        if (s.length == 0) {
            out.printf(Locale.ROOT, "%-40s %7d %9s%n", what, 0, "-");
            return;
        }
        out.printf(
                Locale.ROOT,
                "%-40s %7d %9.2f %9.2f %9.2f %9.2f %9d%n",
                what,
                s.length,
                percentile(s, 50) / 1e6,
                percentile(s, 90) / 1e6,
                percentile(s, 99) / 1e6,
                s[s.length - 1] / 1e6,
                w.sent() - w.acknowledged());
    }

    /** Nearest-rank percentile of sorted values. */
    static long percentile(long[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static String siteName(int i, int n) {
        return i == n ? "bench-baseline" : String.format(Locale.ROOT, "bench-site-%04d", i + 1);
    }

    private static String mib(long bytes) {
        return bytes < 0 ? "n/a" : String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    private static String kib(double bytes) {
        return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024);
    }

    private static void quietLibraries() {
        var root = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(ch.qos.logback.classic.Level.WARN);
    }
}
