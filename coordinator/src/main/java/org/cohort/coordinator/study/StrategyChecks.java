package org.cohort.coordinator.study;

import java.util.ArrayList;
import java.util.List;

/**
 * The range checks of a study's {@link StrategyOptions}, kept out of {@link StudySpec} so that it
 * stays one screen of fields. Every problem is listed, as {@link StudySpec#validate()} does.
 */
final class StrategyChecks {
    /** Most updates a robust strategy may hold in one round. */
    static final int MAX_ROBUST_SITES = 10_000;

    private StrategyChecks() {}

    static List<String> problems(StrategyOptions o) {
        var problems = new ArrayList<String>();
        if (o == null) {
            return problems;
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
        return problems;
    }
}
