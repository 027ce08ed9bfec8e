package org.cohort.coordinator.study;

/**
 * The parameters of a study's aggregation strategy ({@code strategyOptions} in the REST body).
 * Every value is optional: a strategy that uses it takes the default of
 * {@link #withDefaults(String)} for its name (Flower's defaults for the server optimisers), and
 * {@link StrategyChecks} explains every value out of range and every option the named strategy does
 * not take ({@link #TAKEN}): a study giving fedavg a {@code mu} most likely meant fedprox.
 *
 * @param serverLearningRate η, the server step (fedavg, fedprox, fedbuff, scaffold 1; fedadam, fedadagrad 0.1; fedyogi 0.01)
 * @param beta1              first-moment decay of fedadam/fedyogi/fedadagrad, in [0, 1) (0.9; fedadagrad 0)
 * @param beta2              second-moment decay of fedadam/fedyogi, in [0, 1) (0.99)
 * @param tau                adaptivity τ added to √v, positive (fedadam, fedadagrad 1e-9; fedyogi 1e-3)
 * @param trimFraction       trimmed-mean: share of the updates cut at each end of every coordinate, in [0, 0.5) (0.1)
 * @param maxSites           robust strategies: the most updates a round holds at once (the memory
 *                           check at creation counts this many); a round selects at most this many sites (16)
 * @param f                  krum, multi-krum: how many hostile sites the round tolerates; every round
 *                           must hold more than 2f + 2 updates, so minSites must exceed 2f + 2 (1)
 * @param m                  multi-krum: how many of the best-scored updates are averaged, 1 to
 *                           minSites − f (absent: n − f of the n updates each round holds)
 * @param mu                 fedprox: μ of the proximal term μ/2·‖w − w_global‖² each site adds to its
 *                           local loss, finite and at least 0 (0.01)
 * @param bufferSize         fedbuff: K, how many updates the coordinator buffers before it publishes
 *                           a version; each comes from a different site, so 1 to minSites (2)
 * @param maxStaleness       fedbuff: the most versions an update may be behind the version it is
 *                           applied to; a site whose task falls further behind gets a fresh one, at least 0 (10)
 */
public record StrategyOptions(
        Double serverLearningRate,
        Double beta1,
        Double beta2,
        Double tau,
        Double trimFraction,
        Integer maxSites,
        Integer f,
        Integer m,
        Double mu,
        Integer bufferSize,
        Integer maxStaleness,
        @com.fasterxml.jackson.annotation.JsonIgnore java.util.List<String> unreadable) {
    public static final StrategyOptions NONE = new StrategyOptions(null, null, null, null, null, null);

    /** Normalises {@code unreadable}: what the REST body held that is no option, or no value of the right type. */
    public StrategyOptions {
        unreadable = unreadable == null ? java.util.List.of() : java.util.List.copyOf(unreadable);
    }

    /** Options read from JSON with every key checked, so that a misspelt option is refused, not ignored. */
    @com.fasterxml.jackson.annotation.JsonCreator(mode = com.fasterxml.jackson.annotation.JsonCreator.Mode.DELEGATING)
    static StrategyOptions fromJson(java.util.Map<String, Object> json) {
        return StrategyOptionsJson.read(json);
    }

    /** Default of {@link #maxSites} for the robust strategies. */
    public static final int DEFAULT_MAX_SITES = 16;

    /** Options of the strategies that predate Krum and FedProx. */
    public StrategyOptions(
            Double serverLearningRate, Double beta1, Double beta2, Double tau, Double trimFraction, Integer maxSites) {
        this(serverLearningRate, beta1, beta2, tau, trimFraction, maxSites, null, null, null, null, null, null);
    }

    /** These options with Krum's {@code f} and multi-Krum's {@code m} (null: absent). */
    public StrategyOptions withKrum(Integer hostile, Integer averaged) {
        return new StrategyOptions(
                serverLearningRate,
                beta1,
                beta2,
                tau,
                trimFraction,
                maxSites,
                hostile,
                averaged,
                mu,
                bufferSize,
                maxStaleness,
                unreadable);
    }

    /** These options with FedProx's {@code mu} (null: absent). */
    public StrategyOptions withMu(Double proximalMu) {
        return new StrategyOptions(
                serverLearningRate,
                beta1,
                beta2,
                tau,
                trimFraction,
                maxSites,
                f,
                m,
                proximalMu,
                bufferSize,
                maxStaleness,
                unreadable);
    }

    /** These options with FedBuff's {@code bufferSize} and {@code maxStaleness} (null: absent). */
    public StrategyOptions withBuffer(Integer k, Integer staleness) {
        return new StrategyOptions(
                serverLearningRate, beta1, beta2, tau, trimFraction, maxSites, f, m, mu, k, staleness, unreadable);
    }

    /** Default of {@link #bufferSize}: the smallest buffer that still averages two sites' updates. */
    public static final int DEFAULT_BUFFER_SIZE = 2;

    /** Default of {@link #maxStaleness}: an update ten versions behind still counts, at weight 1/√11 ≈ 0.30. */
    public static final int DEFAULT_MAX_STALENESS = 10;

    /** The options each strategy takes; any other a study sets for it is refused at creation. */
    public static final java.util.Map<String, java.util.List<String>> TAKEN = java.util.Map.ofEntries(
            java.util.Map.entry("fedavg", java.util.List.of("serverLearningRate")),
            java.util.Map.entry("fedadam", java.util.List.of("serverLearningRate", "beta1", "beta2", "tau")),
            java.util.Map.entry("fedyogi", java.util.List.of("serverLearningRate", "beta1", "beta2", "tau")),
            java.util.Map.entry("fedadagrad", java.util.List.of("serverLearningRate", "beta1", "tau")),
            java.util.Map.entry("median", java.util.List.of("maxSites")),
            java.util.Map.entry("trimmed-mean", java.util.List.of("trimFraction", "maxSites")),
            java.util.Map.entry("krum", java.util.List.of("f", "maxSites")),
            java.util.Map.entry("multi-krum", java.util.List.of("f", "m", "maxSites")),
            java.util.Map.entry("fedprox", java.util.List.of("mu", "serverLearningRate")),
            java.util.Map.entry("fedbuff", java.util.List.of("bufferSize", "maxStaleness", "serverLearningRate")),
            java.util.Map.entry("scaffold", java.util.List.of("serverLearningRate")));

    /** The names of the options set (not null), in declaration order. */
    public java.util.List<String> set() {
        var names = new java.util.ArrayList<String>();
        for (var c : StrategyOptions.class.getRecordComponents()) {
            if (c.getName().equals("unreadable")) {
                continue;
            }
            try {
                if (c.getAccessor().invoke(this) != null) {
                    names.add(c.getName());
                }
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        return names;
    }

    /** These options with the defaults of strategy {@code name} filled in ({@link #m} stays absent unless set). */
    public StrategyOptions withDefaults(String name) {
        String n = name == null ? "fedavg" : name.toLowerCase(java.util.Locale.ROOT);
        boolean yogi = n.equals("fedyogi");
        boolean adagrad = n.equals("fedadagrad");
        boolean stepsLikeFedAvg =
                n.equals("fedavg") || n.equals("fedprox") || n.equals("fedbuff") || n.equals("scaffold");
        return new StrategyOptions(
                or(serverLearningRate, stepsLikeFedAvg ? 1.0 : yogi ? 0.01 : 0.1),
                or(beta1, adagrad ? 0.0 : 0.9),
                or(beta2, 0.99),
                or(tau, yogi ? 1e-3 : 1e-9),
                or(trimFraction, 0.1),
                or(maxSites, DEFAULT_MAX_SITES),
                or(f, 1),
                m,
                or(mu, 0.01),
                or(bufferSize, DEFAULT_BUFFER_SIZE),
                or(maxStaleness, DEFAULT_MAX_STALENESS),
                unreadable);
    }

    private static <T> T or(T value, T fallback) {
        return value == null ? fallback : value;
    }
}
