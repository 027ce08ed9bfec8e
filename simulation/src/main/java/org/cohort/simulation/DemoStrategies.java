package org.cohort.simulation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cohort.coordinator.aggregation.RobustStrategy;
import org.cohort.coordinator.study.StrategyChecks;
import org.cohort.coordinator.study.StrategyOptions;
import org.cohort.protocol.v1.PrivacyMode;

/**
 * The demo's strategies with their options, checked as the coordinator checks a study before any
 * run starts: each option goes to the strategies it was given for, Krum's {@code f} defaults to
 * the most the demo's site count allows, and whatever the coordinator would refuse is refused here
 * with its own words and the flag that fixes it.
 */
public final class DemoStrategies {
    private DemoStrategies() {}

    /**
     * Each strategy's strategyOptions (REST body form) for a federation of {@code sites}, or an
     * {@link IllegalArgumentException} saying what to change.
     *
     * @param given --strategy-option as given: {@code NAME} or {@code STRATEGY.NAME} → value
     */
    static Map<String, Map<String, Object>> options(
            List<String> strategies, Map<String, String> given, int sites, DemoOptions.Builder b) {
        var out = new LinkedHashMap<String, Map<String, Object>>();
        if (strategies.isEmpty()) {
            if (!given.isEmpty()) {
                throw new IllegalArgumentException(
                        "--strategy-option needs --strategy: the options of which strategy?");
            }
            return out;
        }
        for (String s : strategies) {
            out.put(s, new LinkedHashMap<>());
        }
        for (var e : given.entrySet()) {
            String key = e.getKey();
            Object value = value(e.getValue());
            int dot = key.indexOf('.');
            if (dot >= 0) {
                String strategy = key.substring(0, dot).toLowerCase(java.util.Locale.ROOT);
                if (!out.containsKey(strategy)) {
                    throw new IllegalArgumentException("--strategy-option " + key + " is for strategy '" + strategy
                            + "', which --strategy does not list " + strategies);
                }
                out.get(strategy).put(key.substring(dot + 1), value);
                continue;
            }
            var takers = strategies.stream()
                    .filter(s ->
                            StrategyOptions.TAKEN.getOrDefault(s, List.of()).contains(key))
                    .toList();
            // No listed strategy takes it: each refuses it in the coordinator's words below.
            for (String s : takers.isEmpty() ? strategies : takers) {
                out.get(s).put(key, value);
            }
        }
        for (String s : strategies) {
            Map<String, Object> o = out.get(s);
            if ((s.equals("krum") || s.equals("multi-krum")) && !o.containsKey("f")) {
                // Krum needs n > 2f + 2 updates a round; every demo round holds all the sites.
                int f = Math.max(0, (sites - 3) / 2);
                o.put("f", f);
            }
            var problems = new ArrayList<String>(StrategyChecks.refusals(s, sites, read(o)));
            if (RobustStrategy.NAMES.contains(s)) {
                if (b.secureAggregationOn()) {
                    problems.add("strategy '" + s + "' needs every site's update in the clear, but with secure"
                            + " aggregation the coordinator sees only their masked sum: add --no-secure-aggregation");
                }
                if (b.privacyMode() == PrivacyMode.PRIVACY_MODE_SITE) {
                    problems.add("strategy '" + s + "' cannot run with site-level DP (its noise is calibrated to a"
                            + " sum, which a median or Krum choice is not): use --privacy patient or none");
                }
            }
            if (s.equals("fedbuff") && b.secureAggregationOn()) {
                problems.add("strategy 'fedbuff' publishes every K updates from whichever sites finish first, each"
                        + " from its own model version, but a masked sum of secure aggregation needs a cohort fixed"
                        + " before training on one version: add --no-secure-aggregation");
            }
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException("--strategy " + s + " with " + sites + " sites"
                        + (o.isEmpty() ? "" : " and options " + o) + ": " + String.join("; ", problems)
                        + " (the demo's rounds hold all " + sites + " sites; give an option as --strategy-option "
                        + s + ".NAME=VALUE"
                        + (s.equals("krum") || s.equals("multi-krum")
                                ? ", e.g. " + s + ".f=" + Math.max(0, (sites - 3) / 2)
                                : "")
                        + ")");
            }
        }
        return out;
    }

    /** The options as the coordinator reads a study's strategyOptions: every key and type checked. */
    static StrategyOptions read(Map<String, Object> options) {
        if (options.isEmpty()) {
            return null;
        }
        return tools.jackson.databind.json.JsonMapper.builder().build().convertValue(options, StrategyOptions.class);
    }

    /** A value as a JSON body holds it: a whole number, a number, else the text (which the checks refuse). */
    public static Object value(String text) {
        try {
            return text.matches("[-+]?\\d+") ? (Object) Long.parseLong(text) : (Object) Double.parseDouble(text);
        } catch (NumberFormatException notANumber) {
            return text;
        }
    }
}
