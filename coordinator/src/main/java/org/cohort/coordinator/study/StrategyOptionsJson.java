package org.cohort.coordinator.study;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Reads {@code strategyOptions} from a REST body key by key. The coordinator's JSON reader ignores
 * unknown properties, which would turn a misspelt option ({@code "trimFration"}) into a silent
 * default; here every key must be an option and every value of its type, and what is not is kept
 * in {@link StrategyOptions#unreadable()} for {@link StrategyChecks} to list with the other problems.
 */
final class StrategyOptionsJson {
    private StrategyOptionsJson() {}

    /** The option names, as the REST body spells them. */
    static final List<String> NAMES = Arrays.stream(StrategyOptions.class.getRecordComponents())
            .map(java.lang.reflect.RecordComponent::getName)
            .filter(n -> !n.equals("unreadable"))
            .toList();

    static StrategyOptions read(Map<String, Object> json) {
        var problems = new ArrayList<String>();
        for (String key : json.keySet()) {
            if (!NAMES.contains(key)) {
                problems.add("strategyOptions." + key + " is not an option of any strategy; the options are " + NAMES);
            }
        }
        return new StrategyOptions(
                number(json, "serverLearningRate", problems),
                number(json, "beta1", problems),
                number(json, "beta2", problems),
                number(json, "tau", problems),
                number(json, "trimFraction", problems),
                whole(json, "maxSites", problems),
                whole(json, "f", problems),
                whole(json, "m", problems),
                number(json, "mu", problems),
                whole(json, "bufferSize", problems),
                whole(json, "maxStaleness", problems),
                problems);
    }

    private static Double number(Map<String, Object> json, String key, List<String> problems) {
        Object v = json.get(key);
        if (v == null) {
            return null;
        }
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        problems.add("strategyOptions." + key + " must be a number, got " + v);
        return null;
    }

    private static Integer whole(Map<String, Object> json, String key, List<String> problems) {
        Object v = json.get(key);
        if (v == null) {
            return null;
        }
        if (v instanceof Number n
                && n.doubleValue() == Math.rint(n.doubleValue())
                && Math.abs(n.doubleValue()) <= 1e9) {
            return n.intValue();
        }
        problems.add("strategyOptions." + key + " must be a whole number, got " + v);
        return null;
    }
}
