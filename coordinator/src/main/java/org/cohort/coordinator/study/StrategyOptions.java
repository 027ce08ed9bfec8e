package org.cohort.coordinator.study;

/**
 * The parameters of a study's aggregation strategy ({@code strategyOptions} in the REST body).
 * Every value is optional: a strategy that uses it takes the default of
 * {@link #withDefaults(String)} for its name (Flower's defaults for the server optimisers), and
 * {@link StrategyChecks} explains every value out of range. A strategy ignores what it does not use.
 *
 * @param serverLearningRate η, the server step (fedavg 1; fedadam, fedadagrad 0.1; fedyogi 0.01)
 * @param beta1              first-moment decay of fedadam/fedyogi/fedadagrad, in [0, 1) (0.9; fedadagrad 0)
 * @param beta2              second-moment decay of fedadam/fedyogi, in [0, 1) (0.99)
 * @param tau                adaptivity τ added to √v, positive (fedadam, fedadagrad 1e-9; fedyogi 1e-3)
 * @param trimFraction       trimmed-mean: share of the updates cut at each end of every coordinate, in [0, 0.5) (0.1)
 * @param maxSites           robust strategies: the most updates a round holds at once (the memory
 *                           check at creation counts this many); a round selects at most this many sites (16)
 */
public record StrategyOptions(
        Double serverLearningRate, Double beta1, Double beta2, Double tau, Double trimFraction, Integer maxSites) {
    public static final StrategyOptions NONE = new StrategyOptions(null, null, null, null, null, null);
    /** Default of {@link #maxSites} for the robust strategies. */
    public static final int DEFAULT_MAX_SITES = 16;

    /** These options with the defaults of strategy {@code name} filled in. */
    public StrategyOptions withDefaults(String name) {
        String n = name == null ? "fedavg" : name.toLowerCase(java.util.Locale.ROOT);
        boolean yogi = n.equals("fedyogi");
        boolean adagrad = n.equals("fedadagrad");
        return new StrategyOptions(
                or(serverLearningRate, n.equals("fedavg") ? 1.0 : yogi ? 0.01 : 0.1),
                or(beta1, adagrad ? 0.0 : 0.9),
                or(beta2, 0.99),
                or(tau, yogi ? 1e-3 : 1e-9),
                or(trimFraction, 0.1),
                or(maxSites, DEFAULT_MAX_SITES));
    }

    private static <T> T or(T value, T fallback) {
        return value == null ? fallback : value;
    }
}
