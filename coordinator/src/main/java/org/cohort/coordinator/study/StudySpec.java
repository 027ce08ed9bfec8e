package org.cohort.coordinator.study;

import java.util.List;

/**
 * What the ML team asks for when creating a study (the REST body). Missing optional values
 * take the defaults of {@link #withDefaults()}; {@link #validate()} explains every problem.
 *
 * @param model              which network to train
 * @param plan               local training at each site
 * @param dataset            the table every site brings: columns, label rule, held-out split
 * @param rounds             training rounds
 * @param minSites           a round needs at least this many reports, else it is retried
 * @param roundTimeoutSeconds deadline of each round, counted from when tasks are sent
 * @param maxRetries         attempts per round before the study fails
 * @param strategy           aggregation strategy ("fedavg")
 * @param privacy            differential privacy of the study; absent means none
 * @param secureAggregation  SecAgg+ settings; when enabled the coordinator learns only the sum
 */
public record StudySpec(
        String name,
        Model model,
        Plan plan,
        Dataset dataset,
        Integer rounds,
        Integer minSites,
        Integer roundTimeoutSeconds,
        Integer maxRetries,
        String strategy,
        Privacy privacy,
        SecureAggregation secureAggregation) {

    /** A preset ("logistic-regression" or "mlp" with hidden layer sizes) and its initialisation seed. */
    public record Model(String preset, List<Integer> hidden, Long seed) {}

    public record Plan(Integer localEpochs, Integer batchSize, String optimizer, Double learningRate, Long seed) {}

    /**
     * @param format       "csv" (header with named columns) or "heart-disease" (UCI processed.*.data)
     * @param positiveAbove label = 1 when the label column exceeds this value
     */
    public record Dataset(String format, List<Feature> features, String labelColumn, Double positiveAbove,
                          Double testFraction, Long splitSeed) {}

    /** Numeric (optionally with declared centre/scale) or categorical (levels, one-hot). */
    public record Feature(String name, Double center, Double scale, List<String> levels) {
        public boolean categorical() {
            return levels != null && !levels.isEmpty();
        }
    }

    /**
     * Differential privacy. Every ε is per unit: {@code patient} (record-level DP-SGD at each
     * site: each site's own accountant counts its own steps) or {@code site} (DP-FedAvg: each
     * site clips its whole update to {@code clipNorm}; the sum carries Gaussian noise of standard
     * deviation noiseMultiplier·clipNorm, added by the coordinator, or with secure aggregation by
     * the sites themselves inside the ring, so the coordinator never sees an un-noised sum).
     *
     * @param mode             "none", "patient" or "site"
     * @param clipNorm         L2 bound C (per example for patient, per update for site)
     * @param noiseMultiplier  σ / C
     * @param delta            δ of every (ε, δ) statement
     * @param epsilonBudget    the study's ε budget per unit at δ; rounds that would exceed it are refused
     * @param accountant       "rdp" (default) or "pld"
     * @param expectedBatchSize patient mode: expected Poisson batch size at each site (q = batch / site rows)
     * @param calibrateAtSites patient mode: each site uses the smallest noise multiplier, at least
     *                         {@code noiseMultiplier}, that ends the study's rounds within the budget
     *                         on its own data (a large site needs far less noise than a small one
     *                         for the same ε); false: every site uses {@code noiseMultiplier}
     */
    public record Privacy(String mode, Double clipNorm, Double noiseMultiplier, Double delta, Double epsilonBudget,
                          String accountant, Integer expectedBatchSize, Boolean calibrateAtSites) {
        public static final Privacy NONE = new Privacy("none", null, null, null, null, null, null, false);

        /** Whether sites calibrate their own σ (with {@link #noiseMultiplier} as the floor). */
        public boolean sitesCalibrate() {
            return "patient".equals(mode) && Boolean.TRUE.equals(calibrateAtSites);
        }

        public boolean enabled() {
            return !"none".equals(mode);
        }
    }

    /**
     * Secure aggregation (SecAgg+). The coordinator relays keys and encrypted shares and learns
     * only the sum of the updates of the sites that survive the round, unless at least
     * {@code threshold} sites collude with it. Sites enter the sum with equal weight (the
     * coordinator cannot see individual example counts).
     *
     * @param enabled   on or off; never silently off when asked for
     * @param threshold Shamir threshold t (default: the smallest safe one for the degree)
     * @param degree    neighbours per site k (default min(n-1, 4⌈log2 n⌉))
     * @param clipRange each update coordinate is clipped to [-clipRange, clipRange] before quantization
     * @param stageTimeoutSeconds deadline of each key-exchange and unmasking stage
     */
    public record SecureAggregation(Boolean enabled, Integer threshold, Integer degree, Double clipRange,
                                    Integer stageTimeoutSeconds) {
        public static final SecureAggregation OFF = new SecureAggregation(false, null, null, null, null);

        public boolean on() {
            return Boolean.TRUE.equals(enabled);
        }
    }

    public StudySpec withDefaults() {
        Model m = model == null ? new Model("logistic-regression", List.of(), 42L)
                : new Model(or(model.preset(), "logistic-regression"), model.hidden() == null ? List.of() : model.hidden(),
                        or(model.seed(), 42L));
        Plan p = plan == null ? new Plan(null, null, null, null, null) : plan;
        p = new Plan(or(p.localEpochs(), 2), or(p.batchSize(), 32), or(p.optimizer(), "adam"),
                or(p.learningRate(), 0.01), or(p.seed(), 7L));
        Dataset d = dataset == null ? null : new Dataset(or(dataset.format(), "csv"), dataset.features(),
                dataset.labelColumn(), or(dataset.positiveAbove(), 0.5), or(dataset.testFraction(), 0.25),
                or(dataset.splitSeed(), 1L));
        Privacy dp = privacy == null || privacy.mode() == null || privacy.mode().equals("none") ? Privacy.NONE
                : new Privacy(privacy.mode(), or(privacy.clipNorm(), 1.0), or(privacy.noiseMultiplier(), 1.0),
                        or(privacy.delta(), 1e-5), privacy.epsilonBudget(), or(privacy.accountant(), "rdp"),
                        or(privacy.expectedBatchSize(), 32), or(privacy.calibrateAtSites(), false));
        return new StudySpec(or(name, "study"), m, p, d, or(rounds, 10), or(minSites, 2),
                or(roundTimeoutSeconds, 600), or(maxRetries, 3), or(strategy, "fedavg"), dp,
                secureAggregation == null || !secureAggregation.on() ? SecureAggregation.OFF
                        : new SecureAggregation(true, secureAggregation.threshold(), secureAggregation.degree(),
                                or(secureAggregation.clipRange(), 4.0), or(secureAggregation.stageTimeoutSeconds(), 60)));
    }

    /** Throws with every problem listed, in words the ML team can act on. */
    public StudySpec validate() {
        var problems = new java.util.ArrayList<String>();
        if (dataset == null || dataset.features() == null || dataset.features().isEmpty()) {
            problems.add("dataset.features must list the feature columns sites train on");
        }
        if (dataset != null && (dataset.labelColumn() == null || dataset.labelColumn().isBlank())) {
            problems.add("dataset.labelColumn must name the label column");
        }
        if (dataset != null && dataset.format() != null && !List.of("csv", "heart-disease").contains(dataset.format())) {
            problems.add("dataset.format must be 'csv' or 'heart-disease', got '" + dataset.format() + "'");
        }
        if (dataset != null && dataset.testFraction() != null
                && !(dataset.testFraction() > 0 && dataset.testFraction() < 1)) {
            problems.add("dataset.testFraction must be between 0 and 1 (exclusive)");
        }
        if (model != null && !List.of("logistic-regression", "mlp").contains(model.preset())) {
            problems.add("model.preset must be 'logistic-regression' or 'mlp', got '" + model.preset() + "'");
        }
        if (rounds != null && (rounds < 1 || rounds > 100_000)) {
            problems.add("rounds must be between 1 and 100000");
        }
        if (minSites != null && minSites < 1) {
            problems.add("minSites must be at least 1");
        }
        if (roundTimeoutSeconds != null && roundTimeoutSeconds < 1) {
            problems.add("roundTimeoutSeconds must be at least 1");
        }
        if (maxRetries != null && maxRetries < 0) {
            problems.add("maxRetries must be 0 or more");
        }
        if (plan != null) {
            if (plan.localEpochs() != null && plan.localEpochs() < 1) problems.add("plan.localEpochs must be at least 1");
            if (plan.batchSize() != null && plan.batchSize() < 1) problems.add("plan.batchSize must be at least 1");
            if (plan.learningRate() != null && !(plan.learningRate() > 0)) problems.add("plan.learningRate must be positive");
        }
        if (privacy != null && privacy.mode() != null) {
            if (!List.of("none", "patient", "site").contains(privacy.mode())) {
                problems.add("privacy.mode must be 'none', 'patient' (DP-SGD at each site) or 'site' (DP-FedAvg), got '"
                        + privacy.mode() + "'");
            } else if (!privacy.mode().equals("none")) {
                if (privacy.clipNorm() != null && !(privacy.clipNorm() > 0)) problems.add("privacy.clipNorm must be positive");
                if (privacy.noiseMultiplier() != null && !(privacy.noiseMultiplier() > 0)) {
                    problems.add("privacy.noiseMultiplier must be positive (0 would mean no privacy)");
                }
                if (privacy.delta() != null && !(privacy.delta() > 0 && privacy.delta() < 1)) {
                    problems.add("privacy.delta must be in (0, 1); typically below 1/number of patients");
                }
                if (privacy.epsilonBudget() == null || !(privacy.epsilonBudget() > 0)) {
                    problems.add("privacy.epsilonBudget must state the study's ε budget per "
                            + (privacy.mode().equals("site") ? "site" : "patient") + " (a positive number)");
                }
                if (privacy.accountant() != null && !List.of("rdp", "pld").contains(privacy.accountant())) {
                    problems.add("privacy.accountant must be 'rdp' or 'pld'");
                }
                if (privacy.expectedBatchSize() != null && privacy.expectedBatchSize() < 1) {
                    problems.add("privacy.expectedBatchSize must be at least 1");
                }
                if (Boolean.TRUE.equals(privacy.calibrateAtSites()) && !privacy.mode().equals("patient")) {
                    problems.add("privacy.calibrateAtSites applies to patient-level DP-SGD only; site-level noise is"
                            + " added once to the sum, with one noise multiplier");
                }
            }
        }
        if (secureAggregation != null && secureAggregation.on()) {
            int n = minSites == null ? 2 : minSites;
            if (n < 3) {
                problems.add("secure aggregation needs minSites of at least 3: with two sites each could subtract"
                        + " its own update from the sum and learn the other's");
            }
            if (secureAggregation.clipRange() != null && !(secureAggregation.clipRange() > 0)) {
                problems.add("secureAggregation.clipRange must be positive");
            }
            if (secureAggregation.threshold() != null || secureAggregation.degree() != null) {
                try {
                    int degree = secureAggregation.degree() != null ? secureAggregation.degree()
                            : org.cohort.crypto.secagg.SecAggParameters.defaultDegree(Math.max(n, 3));
                    int threshold = secureAggregation.threshold() != null ? secureAggregation.threshold()
                            : org.cohort.crypto.secagg.SecAggParameters.minimumSafeThreshold(degree);
                    new org.cohort.crypto.secagg.SecAggParameters(Math.max(n, 3), threshold, degree, new byte[32]);
                } catch (IllegalArgumentException e) {
                    problems.add("secureAggregation: " + e.getMessage());
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidStudyException(problems);
        }
        return this;
    }

    private static <T> T or(T value, T fallback) {
        return value == null ? fallback : value;
    }
}
