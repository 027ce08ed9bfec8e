package org.cohort.coordinator.study;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import org.cohort.coordinator.aggregation.RobustStrategy;
import org.cohort.coordinator.aggregation.Strategy;
import org.cohort.learning.data.HeartDisease;
import org.cohort.learning.model.Optimizer;

/**
 * Checks, at creation, that every round of a study can complete: a round that fails for a reason
 * already known then (a strategy nobody implemented, a column no file can have) would fail only
 * after each site trained and spent ε on it. Kept apart from {@link StudySpec#validate()}'s range
 * checks so that each can grow on its own.
 */
final class RunnableChecks {
    private RunnableChecks() {}

    /** Every reason a round of {@code spec} could not complete, in words the ML team can act on. */
    static List<String> problems(StudySpec spec) {
        var problems = new ArrayList<String>(strategyName(spec.strategy()));
        problems.addAll(robustProblems(spec));
        problems.addAll(scaffoldProblems(spec));
        problems.addAll(bufferedProblems(spec));
        if (spec.plan() != null
                && spec.plan().optimizer() != null
                && java.util.Arrays.stream(Optimizer.values())
                        .noneMatch(o -> o.name().equalsIgnoreCase(spec.plan().optimizer()))) {
            problems.add("plan.optimizer must be one of "
                    + java.util.Arrays.toString(Optimizer.values()).toLowerCase(Locale.ROOT) + ", got '"
                    + spec.plan().optimizer() + "'");
        }
        if (spec.dataset() != null && spec.dataset().features() != null) {
            problems.addAll(columns(spec.dataset()));
        }
        return problems;
    }

    /** Why a study may not name {@code strategy} (null: fedavg), if it may not: one no round could aggregate with. */
    static List<String> strategyName(String strategy) {
        if (strategy != null && !Strategy.NAMES.contains(strategy.toLowerCase(Locale.ROOT))) {
            return List.of("strategy '" + strategy + "' is not implemented; use one of " + Strategy.NAMES
                    + " (rounds would fail at aggregation after every site had trained and spent its ε)");
        }
        return List.of();
    }

    /** A robust strategy needs every update in the clear and sums of nothing: not with secure aggregation or site-level DP. */
    private static List<String> robustProblems(StudySpec spec) {
        var problems = new ArrayList<String>();
        if (spec.strategy() == null
                || !RobustStrategy.NAMES.contains(spec.strategy().toLowerCase(Locale.ROOT))) {
            return problems;
        }
        if (spec.secureAggregation() != null && spec.secureAggregation().on()) {
            problems.add("strategy '" + spec.strategy() + "' needs every site's update, but with secure aggregation the"
                    + " coordinator sees only their masked sum; use fedavg or a server optimiser (fedadam, fedyogi,"
                    + " fedadagrad) with secure aggregation");
        }
        if (spec.privacy() != null && spec.privacy().siteLevel()) {
            problems.add("strategy '" + spec.strategy() + "' cannot run with site-level DP: its noise is calibrated"
                    + " to how much one site can change the sum of clipped updates, and a median, trimmed mean or Krum"
                    + " choice is not that sum; use fedavg or a server optimiser (applied to the noised mean), or patient-level"
                    + " DP");
        }
        return problems;
    }

    /**
     * SCAFFOLD's control-variate update (option II) reads (x − y_i)/(K·η) as the site's mean
     * gradient, which holds for plain SGD steps only; and under site-level DP its Δc_i would be a
     * second release of the site that DP-FedAvg neither clips nor noises.
     */
    private static List<String> scaffoldProblems(StudySpec spec) {
        var problems = new ArrayList<String>();
        if (spec.strategy() == null || !spec.strategy().equalsIgnoreCase("scaffold")) {
            return problems;
        }
        String optimizer = spec.plan() == null || spec.plan().optimizer() == null
                ? "adam" // the plan's default
                : spec.plan().optimizer();
        if (!optimizer.equalsIgnoreCase("sgd")) {
            problems.add("strategy 'scaffold' needs plan.optimizer 'sgd' (got '" + optimizer + "'): its control"
                    + " variates take (x − y)/(K·η) as the mean local gradient, which only plain SGD steps make true");
        }
        if (spec.privacy() != null && spec.privacy().siteLevel()) {
            problems.add("strategy 'scaffold' cannot run with site-level DP: DP-FedAvg clips and noises the model"
                    + " delta only, and each site's control-variate change would be released unclipped; use"
                    + " patient-level DP, or fedavg/fedprox/a server optimiser with site-level DP");
        }
        return problems;
    }

    /**
     * FedBuff publishes whenever K updates are in, from whichever sites trained fastest, while the
     * others go on training on older versions; a masked sum of secure aggregation needs a cohort
     * fixed before anyone trains and every survivor's input for one and the same version, so the two
     * do not mix.
     */
    private static List<String> bufferedProblems(StudySpec spec) {
        if (!"fedbuff".equalsIgnoreCase(spec.strategy())
                || spec.secureAggregation() == null
                || !spec.secureAggregation().on()) {
            return List.of();
        }
        return List.of("strategy 'fedbuff' cannot run with secure aggregation: a masked sum needs a cohort fixed"
                + " before training and every input made from the same model version, while fedbuff publishes"
                + " every K updates from whichever sites finish first, each weighted by its own staleness; use"
                + " fedavg, fedprox or a server optimiser with secure aggregation, or fedbuff without it");
    }

    /** Columns every site can read and encode: distinct, not the label, fully declared, and in the file format. */
    private static List<String> columns(StudySpec.Dataset d) {
        var problems = new ArrayList<String>();
        var seen = new HashSet<String>();
        for (StudySpec.Feature f : d.features()) {
            if (f == null || f.name() == null) {
                continue; // named by validate()
            }
            if (!seen.add(f.name())) {
                problems.add("dataset.features names '" + f.name() + "' twice; list each column once");
            }
            if (f.name().equals(d.labelColumn())) {
                problems.add("dataset.features '" + f.name() + "' is the label column; a model may not train on its"
                        + " own label");
            }
            if (f.categorical()
                    && (f.levels().stream().anyMatch(l -> l == null || l.isBlank())
                            || new HashSet<>(f.levels()).size() != f.levels().size())) {
                problems.add("dataset.features '" + f.name() + "': levels must be distinct and non-empty, got "
                        + f.levels());
            }
            if (f.categorical() && (f.center() != null || f.scale() != null)) {
                problems.add("dataset.features '" + f.name() + "' has levels (categorical) and center/scale (numeric);"
                        + " give one or the other");
            } else if ((f.center() == null) != (f.scale() == null)) {
                problems.add("dataset.features '" + f.name() + "' declares only one of center and scale; declare"
                        + " both, or neither (sites would otherwise ignore the one given)");
            }
        }
        if ("heart-disease".equals(d.format())) {
            var known = HeartDisease.FILE_COLUMNS;
            var unknown = new ArrayList<String>(
                    seen.stream().filter(c -> !known.contains(c)).sorted().toList());
            if (d.labelColumn() != null && !known.contains(d.labelColumn())) {
                unknown.add(d.labelColumn());
            }
            if (!unknown.isEmpty()) {
                problems.add(
                        "dataset: the heart-disease files have no column " + unknown + "; their columns are " + known);
            }
        }
        return problems;
    }
}
