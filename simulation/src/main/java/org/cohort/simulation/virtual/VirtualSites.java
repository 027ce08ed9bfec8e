package org.cohort.simulation.virtual;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.cohort.coordinator.aggregation.FedBuff;
import org.cohort.coordinator.aggregation.MemoryState;
import org.cohort.coordinator.aggregation.RobustStrategy;
import org.cohort.coordinator.aggregation.Scaffold;
import org.cohort.coordinator.aggregation.Strategy;
import org.cohort.coordinator.aggregation.WeightedSum;
import org.cohort.coordinator.study.InvalidStudyException;
import org.cohort.coordinator.study.StrategyChecks;
import org.cohort.coordinator.study.StrategyOptions;
import org.cohort.learning.Nd4jRuntime;
import org.cohort.learning.data.TabularDataset;
import org.cohort.learning.dp.DpSgdPlan;
import org.cohort.learning.dp.DpSgdTrainer;
import org.cohort.learning.dp.SecureGaussianNoise;
import org.cohort.learning.model.ModelPreset;
import org.cohort.learning.model.ModelSpec;
import org.cohort.learning.model.Network;
import org.cohort.learning.model.ParameterVectors;
import org.cohort.learning.model.TrainingPlan;
import org.cohort.learning.train.ControlVariates;
import org.cohort.learning.train.EvaluationResult;
import org.cohort.learning.train.Evaluator;
import org.cohort.learning.train.LocalTrainer;
import org.cohort.privacy.accounting.AccountantKind;
import org.cohort.privacy.accounting.PrivacyAccountant;
import org.cohort.privacy.accounting.PrivacyEvent;
import org.cohort.privacy.noise.GranularGaussianNoise;

/**
 * Many virtual sites in one JVM, without network or TLS: each round every site trains the global
 * model with the learning module's own {@link LocalTrainer} (or, under patient-level DP, its
 * {@link DpSgdTrainer} with the agent's sampling, clipping and lattice noise) and the coordinator's
 * own {@link Strategy} turns the deltas into the next global model, so strategies and privacy
 * settings can be compared before a real study.
 *
 * <p>Memory: a site is its rows as one flat float array ({@link SiteData}) and a count of the rounds
 * it trained; networks are one per worker thread, given the global parameters before each site
 * trains (training starts a fresh optimiser, so nothing of one site reaches the next). A round holds
 * the deltas of the sites that report (their number × the model's size), then adds them in site order,
 * so the result does not depend on the number of threads.
 *
 * <p>What a real round does that this does not: the split of each site's table into train and test
 * rows (sites here only train; the global model is scored on pooled held-out rows), secure
 * aggregation, signing, retries of a round below {@code minSites} (here it is reported and skipped),
 * and the privacy cost of evaluation releases.
 */
public final class VirtualSites implements AutoCloseable {
    /** Hard limit on the rows of all sites together (2^31 − 1 would overflow the partition's arrays). */
    public static final long MAX_TOTAL_ROWS = 100_000_000L;

    /**
     * Patient-level DP as the agent applies it (DP-SGD with Poisson sampling, per-example clipping and
     * lattice Gaussian noise), with the privacy module's accountant for ε.
     *
     * @param noiseMultiplier   σ
     * @param clipNorm          C, each patient's gradient bound
     * @param expectedBatchSize q·n, the expected Poisson batch
     * @param delta             δ of the reported ε
     * @param accountant        RDP or PLD
     */
    public record Privacy(
            double noiseMultiplier, double clipNorm, int expectedBatchSize, double delta, AccountantKind accountant) {
        public Privacy {
            if (!(noiseMultiplier > 0) || !(clipNorm > 0) || expectedBatchSize < 1 || !(delta > 0 && delta < 1)) {
                throw new IllegalArgumentException("patient-level DP needs σ > 0, C > 0, a batch of at least 1 and"
                        + " δ in (0, 1); got σ=" + noiseMultiplier + ", C=" + clipNorm + ", batch "
                        + expectedBatchSize + ", δ=" + delta);
            }
        }
    }

    /**
     * A simulated study.
     *
     * @param sites       virtual sites
     * @param rowsPerSite mean training rows of a site (the sites' rows are resampled from the population)
     * @param sizeSpread  log-normal spread of the site sizes (0: equal)
     * @param alpha       Dirichlet label skew (infinite: IID)
     * @param stragglers  chance that a site trains but misses a round's deadline (its update is dropped;
     *                    under fedbuff it arrives after the round's on-time updates and may count in a later version)
     * @param dropouts    chance that a site is offline for a round (no training, no cost)
     * @param strategy    a strategy name as studies give it
     * @param options     its options (null: defaults)
     * @param minSites    reports a round needs to aggregate
     * @param privacy     patient-level DP, or null for none
     * @param plan        local training (its seed is the study's; each round derives its own as the coordinator does)
     * @param seed        data, split and round draws
     * @param threads     worker threads training sites
     */
    public record Settings(
            int sites,
            int rowsPerSite,
            double sizeSpread,
            double alpha,
            double stragglers,
            double dropouts,
            String strategy,
            StrategyOptions options,
            int minSites,
            Privacy privacy,
            TrainingPlan plan,
            long seed,
            int threads) {
        public Settings {
            if (sites < 1 || rowsPerSite < 1 || (long) sites * rowsPerSite > MAX_TOTAL_ROWS) {
                throw new IllegalArgumentException("sites and rows per site must be at least 1, and at most "
                        + MAX_TOTAL_ROWS + " rows in all; got " + sites + " × " + rowsPerSite);
            }
            if (!(stragglers >= 0 && dropouts >= 0 && stragglers + dropouts <= 1)) {
                throw new IllegalArgumentException("the straggler and dropout fractions must be at least 0 and add"
                        + " up to at most 1; got " + stragglers + " and " + dropouts);
            }
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be at least 1, got " + threads);
            }
        }

        /** These settings with {@code n} sites. */
        public Settings withSites(int n) {
            return new Settings(
                    n,
                    rowsPerSite,
                    sizeSpread,
                    alpha,
                    stragglers,
                    dropouts,
                    strategy,
                    options,
                    minSites,
                    privacy,
                    plan,
                    seed,
                    threads);
        }
    }

    /** One reporting site's update: its delta (local − global) and its FedAvg weight (its training rows). */
    /**
     * @param controlChange SCAFFOLD's Δc_i sent with the delta (option II); null for other strategies
     */
    public record SiteUpdate(int site, long weight, float[] delta, double loss, float[] controlChange) {
        public SiteUpdate(int site, long weight, float[] delta, double loss) {
            this(site, weight, delta, loss, null);
        }
    }

    /**
     * What a round did.
     *
     * @param round      1, 2, …
     * @param selected   sites sent the round's task
     * @param reported   the updates aggregated, in site order
     * @param late       sites that trained but missed the deadline
     * @param dropped    sites offline this round
     * @param aggregated whether at least minSites reported, so the global model moved
     * @param trainLoss  the reporters' mean training loss, weighted by rows
     * @param nanos      wall time of training and aggregation
     */
    public record Round(
            int round,
            int selected,
            List<SiteUpdate> reported,
            int[] late,
            int[] dropped,
            boolean aggregated,
            double trainLoss,
            long nanos) {}

    /** ε spent by the sites under patient-level DP: the worst site's and the median. */
    public record Spent(double maxEpsilon, double medianEpsilon, double delta, AccountantKind accountant) {}

    private final Settings settings;
    private final Population population;
    private final List<SiteData> sites;
    private final Strategy strategy;
    private final MemoryState state;
    private final float[][] siteControls;
    private final String configJson;
    private final Network evaluation;
    private final ExecutorService workers;
    private final ThreadLocal<Worker> worker;
    private final int[] trainedRounds;
    private float[] global;
    private int round;
    /** The version the global model is (1 before any round), as a study numbers them. */
    private long version = 1;
    /** FedBuff's updates in flight; null for a synchronous strategy. */
    private final VirtualBuffer buffer;

    private VirtualSites(Settings settings, Population population, List<SiteData> sites, Strategy strategy) {
        this.settings = settings;
        this.population = population;
        this.sites = sites;
        this.strategy = strategy;
        TabularDataset train = population.train();
        this.configJson =
                ModelPreset.logisticRegression().configJson(train.numFeatures(), train.numClasses(), settings.plan());
        this.global =
                ParameterVectors.initialParameters(configJson, settings.plan().seed());
        this.state = strategy.stateVectors() > 0 ? new MemoryState(strategy.stateVectors(), global.length) : null;
        if (strategy.controlVariates() && settings.plan().optimizer() != org.cohort.learning.model.Optimizer.SGD) {
            throw new IllegalArgumentException("scaffold needs plain SGD local steps (its option II reads"
                    + " (x − y)/(K·η) as the mean gradient); the plan's optimiser is "
                    + settings.plan().optimizer());
        }
        // SCAFFOLD's c_i of every site, as each agent keeps it in its work directory; zeros at first.
        this.siteControls = strategy.controlVariates() ? new float[sites.size()][global.length] : null;
        this.evaluation = new ModelSpec(configJson).build();
        this.trainedRounds = new int[sites.size()];
        this.buffer = strategy instanceof FedBuff fedBuff ? new VirtualBuffer(fedBuff) : null;
        this.worker = ThreadLocal.withInitial(() -> new Worker(new ModelSpec(configJson).build()));
        // Each worker builds its network before the first round, so rounds time training alone.
        var ready = new CountDownLatch(settings.threads());
        var pool = new ThreadPoolExecutor(
                settings.threads(), settings.threads(), 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(
                            () -> {
                                try {
                                    worker.get();
                                } finally {
                                    ready.countDown();
                                }
                                r.run();
                            },
                            "virtual-site");
                    t.setDaemon(true);
                    return t;
                });
        pool.prestartAllCoreThreads();
        this.workers = pool;
        try {
            ready.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            pool.shutdownNow();
            throw new IllegalStateException("interrupted while the workers built their networks", e);
        }
    }

    /**
     * Refuses a strategy (or options) the coordinator would refuse at study creation, with the same
     * words, then deals {@code population}'s rows to the sites: {@code sites × rowsPerSite} rows
     * resampled from it, split by size and label skew ({@link NonIidSplit}).
     *
     * @throws InvalidStudyException for a strategy or options a study could not have
     */
    public static VirtualSites create(Settings settings, Population population) {
        Strategy strategy = strategy(settings.strategy(), settings.minSites(), settings.options());
        Nd4jRuntime.ensureInitialised();
        // Many small networks train at once, one per worker: ND4J's own threads would only contend.
        org.nd4j.linalg.factory.Nd4j.getEnvironment().setMaxThreads(1);
        org.nd4j.linalg.factory.Nd4j.getEnvironment().setMaxMasterThreads(1);
        org.nd4j.linalg.factory.Nd4j.factory().blas().setMaxThreads(1);
        return new VirtualSites(settings, population, deal(settings, population.train()), strategy);
    }

    /** The strategy a study naming {@code name} with {@code options} runs, or the coordinator's refusal. */
    public static Strategy strategy(String name, int minSites, StrategyOptions options) {
        List<String> refusals = StrategyChecks.refusals(name, minSites, options);
        if (!refusals.isEmpty()) {
            throw new InvalidStudyException(refusals);
        }
        return Strategy.named(name, options);
    }

    /** Each site's rows: the resampled pool's row indices per site, as {@link #create} deals them. */
    public static int[][] split(Settings s, int sourceRows, int[] sourceLabels, int numClasses) {
        int total = Math.toIntExact((long) s.sites() * s.rowsPerSite());
        int[] pool = NonIidSplit.resample(sourceRows, total, s.seed());
        int[] poolLabels = new int[total];
        for (int i = 0; i < total; i++) {
            poolLabels[i] = sourceLabels[pool[i]];
        }
        int[] sizes = NonIidSplit.sizes(s.sites(), total, s.sizeSpread(), s.seed() + 1);
        int[][] rows = NonIidSplit.partition(poolLabels, numClasses, sizes, s.alpha(), s.seed() + 2);
        for (int[] site : rows) {
            for (int i = 0; i < site.length; i++) {
                site[i] = pool[site[i]];
            }
        }
        return rows;
    }

    private static List<SiteData> deal(Settings s, TabularDataset source) {
        int[][] rows = split(s, source.size(), source.labels(), source.numClasses());
        var out = new ArrayList<SiteData>(rows.length);
        for (int[] site : rows) {
            out.add(SiteData.of(source, site));
        }
        return List.copyOf(out);
    }

    public List<SiteData> sites() {
        return sites;
    }

    public Strategy strategy() {
        return strategy;
    }

    /** A copy of the current global parameters. */
    public float[] global() {
        return global.clone();
    }

    public int numParameters() {
        return global.length;
    }

    /** Rounds each site has trained (reported or late): what its privacy ledger was charged for. */
    public int[] trainedRounds() {
        return trainedRounds.clone();
    }

    /** The global model on the population's pooled held-out rows. */
    public EvaluationResult evaluate() {
        ParameterVectors.write(evaluation, global);
        return Evaluator.evaluate(evaluation, population.test());
    }

    /** Runs the next round and moves the global model (when at least minSites report). */
    public Round round() throws InterruptedException {
        int r = ++round;
        long start = System.nanoTime();
        Random draws = new Random(settings.seed() * 1_000_003L + r);
        int[] selected = select(draws);
        var trains = new ArrayList<Integer>();
        var late = new ArrayList<Integer>();
        var dropped = new ArrayList<Integer>();
        var reporting = new ArrayList<Integer>();
        for (int site : selected) {
            double u = draws.nextDouble();
            if (u < settings.dropouts()) {
                dropped.add(site);
            } else if (u < settings.dropouts() + settings.stragglers()) {
                late.add(site); // trained, charged, too late: its update would be refused, so it is not computed
                trainedRounds[site]++;
            } else {
                trains.add(site);
                reporting.add(site);
                trainedRounds[site]++;
            }
        }
        // The coordinator's per-round seed (TaskFactory): the study's seed × 1,000,003 + round.
        TrainingPlan plan = settings.plan()
                .withSeed(settings.plan().seed() * 1_000_003L + r)
                .withProximalMu(strategy.proximalMu());
        SiteUpdate[] updates = train(trains, plan);
        List<SiteUpdate> reported = Arrays.asList(updates);
        boolean aggregated;
        if (buffer != null) {
            // FedBuff: a straggler's update is not lost but arrives after this version's on-time ones.
            var onTime = new ArrayList<>(reported);
            java.util.Collections.shuffle(onTime, draws);
            reported = buffer.fill(version, onTime, Arrays.asList(train(late, plan)));
            aggregated = !reported.isEmpty();
        } else {
            aggregated = reported.size() >= Math.max(1, settings.minSites());
        }
        if (aggregated) {
            global = aggregate(global, reported, selected.length);
            version++;
            if (siteControls != null) {
                // c_i⁺ = c_i + Δc_i, kept once the round took the update (as the agent does on acceptance).
                for (SiteUpdate u : reported) {
                    siteControls[u.site()] = new ControlVariates(new float[global.length], siteControls[u.site()])
                            .nextSite(u.controlChange());
                }
            }
        }
        double lossSum = 0;
        long rows = 0;
        for (SiteUpdate u : reported) {
            lossSum += u.loss() * u.weight();
            rows += u.weight();
        }
        return new Round(
                r,
                selected.length,
                List.copyOf(reported),
                late.stream().mapToInt(Integer::intValue).toArray(),
                dropped.stream().mapToInt(Integer::intValue).toArray(),
                aggregated,
                rows == 0 ? Double.NaN : lossSum / rows,
                System.nanoTime() - start);
    }

    /**
     * The sites sent this round's task: all of them, or, for a robust strategy (which holds every
     * update), at most its maxSites, drawn at random as the coordinator caps its selection.
     */
    private int[] select(Random draws) {
        int n = sites.size();
        if (buffer != null) {
            var busy = buffer.busy(); // still training on an earlier version: sent no task
            return java.util.stream.IntStream.range(0, n)
                    .filter(s -> !busy.contains(s))
                    .toArray();
        }
        int cap = strategy instanceof RobustStrategy
                ? (settings.options() == null ? StrategyOptions.NONE : settings.options())
                        .withDefaults(strategy.name())
                        .maxSites()
                : n;
        if (cap >= n) {
            return java.util.stream.IntStream.range(0, n).toArray();
        }
        int[] chosen = Arrays.copyOf(Population.shuffled(n, draws), cap);
        Arrays.sort(chosen);
        return chosen;
    }

    /** The strategy's next global model from {@code updates}, exactly as a coordinator's round applies it. */
    public float[] aggregate(float[] current, List<SiteUpdate> updates) {
        return aggregate(current, updates, updates.size());
    }

    /** As above, for a round that tasked {@code tasked} sites (SCAFFOLD's N). */
    public float[] aggregate(float[] current, List<SiteUpdate> updates, int tasked) {
        if (strategy instanceof Scaffold scaffold) {
            // One vector per update, delta then Δc, summed as the coordinator sums a scaffold upload.
            int n = current.length;
            WeightedSum sum = new WeightedSum(2 * n);
            for (SiteUpdate u : updates) {
                sum.addChunk(u.weight(), 0, u.delta(), n);
                sum.addChunk(u.weight(), n, u.controlChange(), n);
                sum.completeContribution(u.weight());
            }
            float[] next = scaffold.step(sum.totalWeight(), sum.contributions(), tasked, state)
                    .next(current, sum.sum());
            state.advance();
            return next;
        }
        if (strategy instanceof RobustStrategy robust) {
            float[][] deltas = new float[updates.size()][];
            for (int i = 0; i < deltas.length; i++) {
                deltas[i] = updates.get(i).delta();
            }
            return robust.next(current, deltas);
        }
        WeightedSum sum = strategy.newAccumulator(current.length);
        for (SiteUpdate u : updates) {
            sum.addChunk(u.weight(), 0, u.delta(), u.delta().length);
            sum.completeContribution(u.weight());
        }
        if (state == null) {
            return strategy.nextGlobal(current, sum);
        }
        float[] next = new float[current.length];
        strategy.step(sum.totalWeight(), sum.contributions(), state).next(current, sum.sum(), current.length, next);
        state.advance();
        return next;
    }

    private SiteUpdate[] train(List<Integer> trains, TrainingPlan plan) throws InterruptedException {
        SiteUpdate[] out = new SiteUpdate[trains.size()];
        AtomicInteger next = new AtomicInteger();
        float[] start = global;
        float[] c = siteControls == null ? null : state.vector(0); // the server's c, the same for every site
        var futures = new ArrayList<Future<?>>();
        for (int t = 0; t < settings.threads(); t++) {
            futures.add(workers.submit(() -> {
                Worker w = worker.get();
                for (int i = next.getAndIncrement(); i < out.length; i = next.getAndIncrement()) {
                    int site = trains.get(i);
                    ControlVariates variates = siteControls == null ? null : new ControlVariates(c, siteControls[site]);
                    out[i] = w.train(site, sites.get(site), start, plan, settings.privacy(), variates);
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("a virtual site's training failed", e.getCause());
            }
        }
        return out;
    }

    /**
     * ε each site has spent under patient-level DP after the rounds so far: the agent's charge
     * (sampled Gaussian with the site's q, the lattice sampler's accounted σ, its steps) for every
     * round it trained, composed by the privacy module's accountant; null without DP.
     */
    public Spent spent() {
        Privacy dp = settings.privacy();
        if (dp == null) {
            return null;
        }
        double accountedSigma = dp.noiseMultiplier()
                * dp.clipNorm()
                / GranularGaussianNoise.effectiveL2Sensitivity(
                        dp.clipNorm(), global.length, SecureGaussianNoise.DEFAULT_GRANULARITY_EXPONENT);
        Map<String, Double> cache = new HashMap<>();
        double[] epsilons = new double[sites.size()];
        for (int s = 0; s < epsilons.length; s++) {
            if (trainedRounds[s] == 0) {
                continue;
            }
            DpSgdPlan p = dpPlan(dp, settings.plan(), sites.get(s).size());
            long steps = p.steps() * trainedRounds[s];
            double q = p.samplingRate();
            epsilons[s] = cache.computeIfAbsent(
                    q + "/" + steps,
                    key -> PrivacyAccountant.create(dp.accountant())
                            .compose(new PrivacyEvent.SampledGaussian(q, accountedSigma, steps))
                            .epsilon(dp.delta()));
        }
        double[] sorted = epsilons.clone();
        Arrays.sort(sorted);
        return new Spent(sorted[sorted.length - 1], sorted[sorted.length / 2], dp.delta(), dp.accountant());
    }

    /** The agent's DP-SGD plan for a site of {@code rows} rows (its declared size: here its real one). */
    static DpSgdPlan dpPlan(Privacy dp, TrainingPlan plan, int rows) {
        return DpSgdPlan.ofEpochs(
                dp.noiseMultiplier(), dp.clipNorm(), dp.expectedBatchSize(), rows, plan.localEpochs());
    }

    @Override
    public void close() {
        workers.shutdownNow();
        try {
            workers.awaitTermination(1, TimeUnit.MINUTES); // their networks go with them
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One worker thread's network, reused for every site it trains. */
    private static final class Worker {
        private final Network net;
        private SecureGaussianNoise noise;

        Worker(Network net) {
            this.net = net;
        }

        SiteUpdate train(int site, SiteData data, float[] global, TrainingPlan plan, Privacy dp, ControlVariates cv) {
            ParameterVectors.write(net, global);
            TabularDataset rows = data.dataset();
            if (cv != null) {
                plan = plan.withControlCorrection(cv.correction());
            }
            double loss;
            if (dp == null) {
                loss = LocalTrainer.train(net, rows, plan).meanLoss();
            } else {
                if (noise == null) {
                    noise = SecureGaussianNoise.create();
                }
                loss = DpSgdTrainer.train(net, rows, plan, dpPlan(dp, plan, rows.size()), noise)
                        .meanLoss();
            }
            float[] local = ParameterVectors.read(net);
            float[] delta = new float[local.length];
            for (int i = 0; i < local.length; i++) {
                delta[i] = local[i] - global[i];
            }
            if (cv == null) {
                return new SiteUpdate(site, rows.size(), delta, loss);
            }
            // Option II, as the agent computes it: from the delta sent and the plan's K and η.
            long steps = dp == null
                    ? plan.localSteps(rows.size())
                    : dpPlan(dp, plan, rows.size()).steps();
            return new SiteUpdate(site, rows.size(), delta, loss, cv.siteChange(delta, steps, plan.learningRate()));
        }
    }
}
