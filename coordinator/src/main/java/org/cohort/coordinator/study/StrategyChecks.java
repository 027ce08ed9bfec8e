package org.cohort.coordinator.study;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The range checks of a study's {@link StrategyOptions}, kept out of {@link StudySpec} so that it
 * stays one screen of fields. Every problem is listed, as {@link StudySpec#validate()} does.
 */
public final class StrategyChecks {
    /** Most updates a robust strategy may hold in one round. */
    static final int MAX_ROBUST_SITES = 10_000;
    /** Largest FedProx μ: beyond it the proximal term alone decides every local step. */
    static final double MAX_MU = 1e4;
    /** Largest FedBuff maxStaleness: an update further behind weighs less than 1% of a fresh one. */
    static final int MAX_STALENESS = 10_000;

    private StrategyChecks() {}

    /**
     * Every reason the coordinator refuses, at study creation, the strategy {@code strategy} (null:
     * fedavg) with {@code options} for rounds of at least {@code minSites} updates (null: 2), in the
     * words {@link StudySpec#validate()} uses: for whoever runs the same strategies without a study,
     * such as the simulation's virtual sites.
     */
    public static List<String> refusals(String strategy, Integer minSites, StrategyOptions options) {
        var problems = new ArrayList<String>(RunnableChecks.strategyName(strategy));
        problems.addAll(problems(strategy, minSites, options));
        return problems;
    }

    /**
     * Every problem of {@code o} for strategy {@code strategy} (null: fedavg) in a study whose rounds
     * hold at least {@code minSites} updates (null: the default, 2).
     */
    static List<String> problems(String strategy, Integer minSites, StrategyOptions o) {
        var problems = new ArrayList<String>();
        if (o == null) {
            return problems;
        }
        problems.addAll(o.unreadable());
        String name = strategy == null ? "fedavg" : strategy.toLowerCase(Locale.ROOT);
        List<String> taken = StrategyOptions.TAKEN.get(name);
        if (taken != null) {
            var unknown = new ArrayList<>(o.set());
            unknown.removeAll(taken);
            if (!unknown.isEmpty()) {
                var takers = new ArrayList<String>();
                for (String option : unknown) {
                    takers.add(option + ": "
                            + StrategyOptions.TAKEN.entrySet().stream()
                                    .filter(e -> e.getValue().contains(option))
                                    .map(java.util.Map.Entry::getKey)
                                    .sorted()
                                    .toList());
                }
                problems.add("strategyOptions " + unknown + " "
                        + (unknown.size() == 1 ? "is not an option" : "are not options") + " of strategy '" + name
                        + "', which takes " + taken + " (strategies that take " + String.join("; ", takers) + ")");
            }
        }
        if (o.serverLearningRate() != null && !(o.serverLearningRate() > 0 && o.serverLearningRate() <= 100)) {
            problems.add("strategyOptions.serverLearningRate must be in (0, 100], got " + o.serverLearningRate());
        }
        if (o.beta1() != null && !(o.beta1() >= 0 && o.beta1() < 1)) {
            problems.add("strategyOptions.beta1 must be in [0, 1), got " + o.beta1());
        }
        if (o.beta2() != null && !(o.beta2() >= 0 && o.beta2() < 1)) {
            problems.add("strategyOptions.beta2 must be in [0, 1), got " + o.beta2());
        }
        if (o.tau() != null && !(o.tau() > 0 && o.tau() <= 1)) {
            problems.add("strategyOptions.tau must be in (0, 1] (it keeps the step finite where the second moment"
                    + " is zero), got " + o.tau());
        }
        if (o.trimFraction() != null && !(o.trimFraction() >= 0 && o.trimFraction() < 0.5)) {
            problems.add("strategyOptions.trimFraction must be in [0, 0.5) (the share cut at each end), got "
                    + o.trimFraction());
        }
        if (o.maxSites() != null && (o.maxSites() < 1 || o.maxSites() > MAX_ROBUST_SITES)) {
            problems.add(
                    "strategyOptions.maxSites must be between 1 and " + MAX_ROBUST_SITES + ", got " + o.maxSites());
        }
        if (o.mu() != null && !(o.mu() >= 0 && o.mu() <= MAX_MU)) {
            problems.add("strategyOptions.mu (fedprox's proximal term) must be a finite number in [0, " + MAX_MU
                    + "], got " + o.mu());
        }
        problems.addAll(krumProblems(name, minSites == null ? 2 : minSites, o));
        problems.addAll(bufferProblems(name, minSites == null ? 2 : minSites, o));
        return problems;
    }

    /**
     * FedBuff publishes after K updates, each from a different site (a site trains one task at a
     * time and a buffer holds one update of each): a round starts with at least minSites sites, so
     * K ≤ minSites is what lets every round fill its buffer.
     */
    private static List<String> bufferProblems(String name, int minSites, StrategyOptions o) {
        var problems = new ArrayList<String>();
        if (o.bufferSize() != null && o.bufferSize() < 1) {
            problems.add("strategyOptions.bufferSize (updates fedbuff buffers before it publishes) must be at least 1,"
                    + " got " + o.bufferSize());
        } else if (name.equals("fedbuff") && o.withDefaults(name).bufferSize() > minSites) {
            int k = o.withDefaults(name).bufferSize();
            problems.add("strategyOptions.bufferSize = " + k + " is more than minSites = " + minSites
                    + ": each buffered update comes from a different site, and a round may start with only minSites"
                    + " sites, so its buffer could never fill; set minSites to at least " + k
                    + " or lower strategyOptions.bufferSize");
        }
        if (o.maxStaleness() != null && (o.maxStaleness() < 0 || o.maxStaleness() > MAX_STALENESS)) {
            problems.add("strategyOptions.maxStaleness (versions an update may be behind) must be between 0 and "
                    + MAX_STALENESS + ", got " + o.maxStaleness());
        }
        return problems;
    }

    /**
     * Krum needs n > 2f + 2 updates in every round (Blanchard et al. 2017): each score sums the
     * n − f − 2 nearest other updates, and only then can f hostile ones not outvote the honest.
     * Every round holds between minSites and maxSites updates, so both must exceed 2f + 2.
     */
    private static List<String> krumProblems(String name, int minSites, StrategyOptions o) {
        var problems = new ArrayList<String>();
        if (o.f() != null && (o.f() < 0 || o.f() > MAX_ROBUST_SITES)) {
            problems.add("strategyOptions.f (hostile sites krum tolerates) must be between 0 and " + MAX_ROBUST_SITES
                    + ", got " + o.f());
            return problems;
        }
        if (o.m() != null && o.m() < 1) {
            problems.add("strategyOptions.m (updates multi-krum averages) must be at least 1, got " + o.m());
        }
        if (!name.equals("krum") && !name.equals("multi-krum")) {
            return problems;
        }
        var d = o.withDefaults(name);
        int needed = 2 * d.f() + 3;
        if (minSites < needed) {
            problems.add("strategy '" + name + "' with f = " + d.f() + " needs more than 2f + 2 = " + (needed - 1)
                    + " updates in every round, but minSites is " + minSites + "; set minSites to at least "
                    + needed + " or lower strategyOptions.f");
        }
        if (d.maxSites() < needed) {
            problems.add("strategy '" + name + "' with f = " + d.f() + " needs more than 2f + 2 = " + (needed - 1)
                    + " updates in every round, but a round holds at most maxSites = " + d.maxSites()
                    + "; raise strategyOptions.maxSites to at least " + needed);
        }
        if (d.m() != null && d.m() >= 1 && d.m() > minSites - d.f()) {
            problems.add("strategyOptions.m = " + d.m() + " is more than minSites − f = " + (minSites - d.f())
                    + ": multi-krum averages at most n − f updates (never one of the f it may have to leave out)");
        }
        return problems;
    }
}
