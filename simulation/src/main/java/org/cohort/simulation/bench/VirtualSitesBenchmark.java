package org.cohort.simulation.bench;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.cohort.coordinator.study.InvalidStudyException;
import org.cohort.coordinator.study.StrategyOptions;
import org.cohort.learning.model.Optimizer;
import org.cohort.learning.model.TrainingPlan;
import org.cohort.learning.train.EvaluationResult;
import org.cohort.privacy.accounting.AccountantKind;
import org.cohort.simulation.CommandLines;
import org.cohort.simulation.virtual.Population;
import org.cohort.simulation.virtual.VirtualSites;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Simulate before a real study: many virtual sites of the logistic-regression preset in one JVM,
 * trained with the sites' own training code and aggregated with the coordinator's own strategy
 * classes ({@link VirtualSites}). Prints a table per round (sites reporting, pooled test accuracy and
 * loss, time) and then virtual sites trained per second and heap per site, next to a baseline
 * measured in the same run: {@code --baseline-sites} sites (10) for as many site trainings (at most
 * 100 rounds). Wall-clock rates depend on what else the machine runs; the CPU time per site trained
 * (the process's, collector and ND4J's threads included) is the steadier figure.
 *
 * <p>{@code ./bench.sh VirtualSitesBenchmark --sites 1000 --rounds 5 --strategy fedavg}; with
 * {@code BENCH_JVM_ARGS=-Xmx2g} for the heap.
 */
public final class VirtualSitesBenchmark {
    private VirtualSitesBenchmark() {}

    public static void main(String[] args) {
        CommandLines.exit(new Arguments(), args);
    }

    @Command(
            name = "./bench.sh VirtualSitesBenchmark",
            mixinStandardHelpOptions = true,
            description = "Many virtual sites in one JVM, no network: the coordinator's strategies and the sites'"
                    + " training code, to compare strategies and privacy settings before a real study. Prints a"
                    + " table per round, then virtual sites per second and heap per site next to a baseline.")
    static final class Arguments implements Callable<Integer> {
        @Option(
                names = "--sites",
                defaultValue = "1000",
                converter = BenchNumbers.PositiveInt.class,
                description = "virtual sites (default ${DEFAULT-VALUE})")
        int sites;

        @Option(
                names = "--rounds",
                defaultValue = "5",
                converter = BenchNumbers.PositiveInt.class,
                description = "rounds (default ${DEFAULT-VALUE})")
        int rounds;

        @Option(
                names = "--strategy",
                defaultValue = "fedavg",
                description = "a strategy as studies name it: fedavg, fedprox, fedadam, fedyogi, fedadagrad, median,"
                        + " trimmed-mean, krum, multi-krum (default ${DEFAULT-VALUE})")
        String strategy;

        @Option(
                names = "--strategy-options",
                paramLabel = "JSON",
                description =
                        "the strategy's options as a study's strategyOptions, e.g. '{\"serverLearningRate\":0.5}'")
        String strategyOptions;

        @Option(
                names = "--strategy-option",
                paramLabel = "NAME=VALUE",
                description = "one of the strategy's options, repeatable (read as --strategy-options reads them),"
                        + " e.g. --strategy-option serverLearningRate=0.5")
        java.util.Map<String, String> strategyOption;

        @Option(
                names = "--min-sites",
                defaultValue = "2",
                converter = BenchNumbers.PositiveInt.class,
                description = "reports a round needs to aggregate (default ${DEFAULT-VALUE})")
        int minSites;

        @Option(
                names = "--rows-per-site",
                defaultValue = "100",
                converter = BenchNumbers.PositiveInt.class,
                description = "mean training rows per site, resampled from the data (default ${DEFAULT-VALUE})")
        int rowsPerSite;

        @Option(
                names = "--size-spread",
                defaultValue = "0.5",
                description = "log-normal spread of site sizes, 0 for equal sizes (default ${DEFAULT-VALUE})")
        double sizeSpread;

        @Option(
                names = "--alpha",
                defaultValue = "1.0",
                description = "Dirichlet label skew: 0.1 strong, 1 moderate, Infinity IID (default ${DEFAULT-VALUE})")
        double alpha;

        @Option(
                names = "--stragglers",
                defaultValue = "0.1",
                description = "chance a site misses a round's deadline (default ${DEFAULT-VALUE})")
        double stragglers;

        @Option(
                names = "--dropouts",
                defaultValue = "0.05",
                description = "chance a site is offline for a round (default ${DEFAULT-VALUE})")
        double dropouts;

        @Option(
                names = "--privacy",
                defaultValue = "none",
                description = "none, or patient (DP-SGD at every site) (default ${DEFAULT-VALUE})")
        String privacy;

        @Option(
                names = "--sigma",
                defaultValue = "1.0",
                description = "DP-SGD noise multiplier (default ${DEFAULT-VALUE})")
        double sigma;

        @Option(names = "--clip", defaultValue = "1.0", description = "DP-SGD clip norm (default ${DEFAULT-VALUE})")
        double clip;

        @Option(
                names = "--delta",
                defaultValue = "1e-5",
                description = "δ of the reported ε (default ${DEFAULT-VALUE})")
        double delta;

        @Option(names = "--accountant", defaultValue = "rdp", description = "rdp or pld (default ${DEFAULT-VALUE})")
        String accountant;

        @Option(
                names = "--epochs",
                defaultValue = "1",
                converter = BenchNumbers.PositiveInt.class,
                description = "local epochs (default ${DEFAULT-VALUE})")
        int epochs;

        @Option(
                names = "--batch",
                defaultValue = "32",
                converter = BenchNumbers.PositiveInt.class,
                description = "batch size, the expected batch under DP (default ${DEFAULT-VALUE})")
        int batch;

        @Option(
                names = "--learning-rate",
                defaultValue = "0.1",
                description = "local SGD step (default ${DEFAULT-VALUE})")
        double learningRate;

        @Option(
                names = "--data",
                defaultValue = "auto",
                description = "heart (shared/datasets/fed-heart-disease), synthetic, or auto: heart when found"
                        + " (default ${DEFAULT-VALUE})")
        String data;

        @Option(
                names = "--seed",
                defaultValue = "1",
                description = "seed of the data, split and rounds (default ${DEFAULT-VALUE})")
        long seed;

        @Option(names = "--threads", description = "worker threads (default: the processors)")
        Integer threads;

        @Option(
                names = "--baseline-sites",
                defaultValue = "10",
                converter = BenchNumbers.PositiveInt.class,
                description = "sites of the baseline run (default ${DEFAULT-VALUE})")
        int baselineSites;

        @Override
        public Integer call() throws Exception {
            VirtualSites.Settings settings;
            Population population;
            try {
                settings = settings();
                population = population();
            } catch (IllegalArgumentException e) {
                System.err.println(e.getMessage());
                return 2;
            }
            try {
                VirtualSites.strategy(settings.strategy(), settings.minSites(), settings.options());
            } catch (InvalidStudyException e) {
                System.err.println("the coordinator would refuse this study: " + e.getMessage());
                return 2;
            }
            run(settings, population, rounds, baselineSites);
            return 0;
        }

        private VirtualSites.Settings settings() {
            StrategyOptions options;
            try {
                // Read as the coordinator reads a study's strategyOptions: every key checked.
                var json = tools.jackson.databind.json.JsonMapper.builder().build();
                if (strategyOptions != null && strategyOption != null) {
                    throw new IllegalArgumentException("give --strategy-options or --strategy-option, not both");
                }
                options = strategyOptions != null
                        ? json.readValue(strategyOptions, StrategyOptions.class)
                        : strategyOption != null
                                ? json.convertValue(values(strategyOption), StrategyOptions.class)
                                : null;
            } catch (tools.jackson.core.JacksonException e) {
                throw new IllegalArgumentException(
                        "--strategy-options must be a JSON object of options: " + e.getOriginalMessage());
            }
            VirtualSites.Privacy dp = switch (privacy.toLowerCase(Locale.ROOT)) {
                case "none" -> null;
                case "patient" ->
                    new VirtualSites.Privacy(
                            sigma, clip, batch, delta, AccountantKind.valueOf(accountant.toUpperCase(Locale.ROOT)));
                default -> throw new IllegalArgumentException("--privacy must be none or patient, got " + privacy);
            };
            return new VirtualSites.Settings(
                    sites,
                    rowsPerSite,
                    sizeSpread,
                    alpha,
                    stragglers,
                    dropouts,
                    strategy,
                    options,
                    minSites,
                    dp,
                    new TrainingPlan(epochs, batch, Optimizer.SGD, learningRate, seed),
                    seed,
                    threads == null ? Runtime.getRuntime().availableProcessors() : threads);
        }

        /** NAME=VALUE options as a JSON body holds them: numbers where they read as numbers. */
        private static java.util.Map<String, Object> values(java.util.Map<String, String> options) {
            var out = new java.util.LinkedHashMap<String, Object>();
            // Read as the demo reads --strategy-option: kept as text where not a number, for the reader to refuse.
            options.forEach((name, value) -> out.put(name, org.cohort.simulation.DemoStrategies.value(value)));
            return out;
        }

        private Population population() throws java.io.IOException {
            var heart = Population.locateHeartDisease();
            return switch (data.toLowerCase(Locale.ROOT)) {
                case "heart" ->
                    Population.heartDisease(
                            heart.orElseThrow(() -> new IllegalArgumentException(
                                    "shared/datasets/fed-heart-disease not found here or in any directory above")),
                            seed);
                case "synthetic" -> Population.synthetic(15, seed);
                case "auto" ->
                    heart.isPresent() ? Population.heartDisease(heart.get(), seed) : Population.synthetic(15, seed);
                default -> throw new IllegalArgumentException("--data must be heart, synthetic or auto, got " + data);
            };
        }
    }

    /** What one run measured. */
    record Run(long siteRounds, long nanos, long cpuNanos, double heapPerSite) {
        double sitesPerSecond() {
            return siteRounds / (nanos / 1e9);
        }

        /** Process CPU time per site trained: steadier than wall time on a shared machine. */
        double cpuMillisPerSite() {
            return cpuNanos / 1e6 / siteRounds;
        }
    }

    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    static void run(VirtualSites.Settings settings, Population population, int rounds, int baselineSites)
            throws InterruptedException {
        long maxHeap = Runtime.getRuntime().maxMemory();
        System.out.printf(
                Locale.ROOT,
                "Virtual sites: %s, %d rounds, strategy %s%s; %s; logistic regression; %d rows per site on average"
                        + " (spread %s), Dirichlet alpha %s, stragglers %s, dropouts %s; %s; %d worker threads on %d"
                        + " processors; max heap %d MiB%n",
                settings.sites(),
                rounds,
                settings.strategy(),
                settings.options() == null ? "" : " " + settings.options().set(),
                population.description(),
                settings.rowsPerSite(),
                settings.sizeSpread(),
                settings.alpha(),
                settings.stragglers(),
                settings.dropouts(),
                settings.privacy() == null
                        ? "no DP"
                        : String.format(
                                Locale.ROOT,
                                "patient-level DP-SGD sigma %s, clip %s, expected batch %d",
                                settings.privacy().noiseMultiplier(),
                                settings.privacy().clipNorm(),
                                settings.privacy().expectedBatchSize()),
                settings.threads(),
                Runtime.getRuntime().availableProcessors(),
                maxHeap >> 20);

        // Warm-up (JIT, ND4J's first arrays); the baseline runs after the main run, when the JIT has
        // settled (its compiler threads' CPU time would otherwise count against whichever runs first).
        simulate(settings.withSites(Math.min(settings.sites(), 200)), population, 3, false);
        Run run = simulate(settings, population, rounds, true);
        // As many site trainings as the main run where it takes at most 100 rounds: a few dozen would
        // be timed with the collector's and ND4J's clean-up of the main run still under way.
        int baselineRounds = (int) Math.max(rounds, Math.min(100, (long) rounds * settings.sites() / baselineSites));
        Run baseline = simulate(settings.withSites(baselineSites), population, baselineRounds, false);
        System.out.printf(
                Locale.ROOT,
                "%nvirtual sites per second: %.0f with %d sites, %.1f ms CPU per site trained, %.2f rounds/s%n"
                        + "baseline, %d sites for %d rounds: %.0f virtual sites/s, %.1f ms CPU per site trained"
                        + " (%d site-rounds in %.2f s); %d sites run at %.2fx the baseline's rate%n",
                run.sitesPerSecond(),
                settings.sites(),
                run.cpuMillisPerSite(),
                rounds / (run.nanos() / 1e9),
                baselineSites,
                baselineRounds,
                baseline.sitesPerSecond(),
                baseline.cpuMillisPerSite(),
                baseline.siteRounds(),
                baseline.nanos() / 1e9,
                settings.sites(),
                run.sitesPerSecond() / baseline.sitesPerSecond());
    }

    /** Runs {@code rounds} rounds; prints the table and the memory when {@code print}. */
    private static Run simulate(VirtualSites.Settings settings, Population population, int rounds, boolean print)
            throws InterruptedException {
        long before = heapAfterGc();
        try (VirtualSites sim = VirtualSites.create(settings, population)) {
            long withSites = heapAfterGc();
            long rows = sim.sites().stream().mapToLong(s -> s.size()).sum();
            int minRows = sim.sites().stream().mapToInt(s -> s.size()).min().orElse(0);
            int maxRows = sim.sites().stream().mapToInt(s -> s.size()).max().orElse(0);
            if (print) {
                EvaluationResult initial = sim.evaluate();
                System.out.printf(
                        Locale.ROOT,
                        "%d sites, %d training rows (%d to %d per site), %d parameters; before round 1: accuracy"
                                + " %.3f, loss %.4f%n",
                        settings.sites(),
                        rows,
                        minRows,
                        maxRows,
                        sim.numParameters(),
                        initial.accuracy(),
                        initial.logLoss());
                System.out.printf(
                        Locale.ROOT,
                        "%5s %9s %9s %6s %8s %9s %8s %10s %8s %10s %9s%n",
                        "round",
                        "selected",
                        "reporting",
                        "late",
                        "dropped",
                        "accuracy",
                        "loss",
                        "train loss",
                        "seconds",
                        "sites/s",
                        "heap MiB");
            }
            long siteRounds = 0;
            long nanos = 0;
            long cpu = 0;
            for (int r = 0; r < rounds; r++) {
                long cpu0 = OS.getProcessCpuTime();
                VirtualSites.Round round = sim.round();
                cpu += OS.getProcessCpuTime() - cpu0;
                long trained = round.reported().size();
                siteRounds += trained;
                nanos += round.nanos();
                if (print) {
                    EvaluationResult e = sim.evaluate();
                    System.out.printf(
                            Locale.ROOT,
                            "%5d %9d %9d %6d %8d %9.3f %8.4f %10.4f %8.3f %10.0f %9.1f%s%n",
                            round.round(),
                            round.selected(),
                            trained,
                            round.late().length,
                            round.dropped().length,
                            e.accuracy(),
                            e.logLoss(),
                            round.trainLoss(),
                            round.nanos() / 1e9,
                            trained / (round.nanos() / 1e9),
                            heapAfterGc() / 1048576.0,
                            round.aggregated() ? "" : "  (below minSites: not aggregated)");
                }
            }
            double perSite = (double) (withSites - before) / settings.sites();
            if (print) {
                long after = heapAfterGc();
                int width = population.train().numFeatures();
                VirtualSites.Spent spent = sim.spent();
                if (spent != null) {
                    System.out.printf(
                            Locale.ROOT,
                            "patient-level epsilon after %d rounds (%s, delta %s): worst site %.3f, median site %.3f%n",
                            rounds,
                            spent.accountant().label(),
                            spent.delta(),
                            spent.maxEpsilon(),
                            spent.medianEpsilon());
                }
                System.out.printf(
                        Locale.ROOT,
                        "memory per site: %.1f KiB of heap after GC (%.1f MiB for %d sites; the rows alone %.1f KiB a"
                                + " site); heap used after GC %.1f MiB before the sites, %.1f MiB with them, %.1f MiB"
                                + " after %d rounds, of %d MiB max%n",
                        perSite / 1024,
                        (withSites - before) / 1048576.0,
                        settings.sites(),
                        (double) rows * (4 * width + 1) / settings.sites() / 1024,
                        before / 1048576.0,
                        withSites / 1048576.0,
                        after / 1048576.0,
                        rounds,
                        Runtime.getRuntime().maxMemory() >> 20);
            }
            return new Run(siteRounds, nanos, cpu, perSite);
        }
    }

    /**
     * Heap in use after full collections (what the live objects hold), collected until it stops
     * falling: ND4J frees its arrays' native memory from a thread of its own, whose queue of dead
     * arrays keeps their Java side on the heap until it has run.
     */
    static long heapAfterGc() throws InterruptedException {
        var memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 10; i++) {
            System.gc();
            long now = memory.getHeapMemoryUsage().getUsed();
            if (now >= used && i >= 2) {
                return Math.min(used, now);
            }
            used = Math.min(used, now);
            Thread.sleep(100);
        }
        return used;
    }
}
