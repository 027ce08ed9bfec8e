package org.cohort.simulation;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Test plumbing: the {@code privacy} entry of a REST study spec, built by field name, so that a
 * test states only the settings it cares about. Values go into the JSON as given.
 */
final class PrivacySpec {
    private final Map<String, Object> fields = new LinkedHashMap<>();

    private PrivacySpec(String mode) {
        fields.put("mode", mode);
    }

    /** Patient-level DP (DP-SGD at each site) with noise multiplier {@code sigma}. */
    static PrivacySpec patient(Number sigma) {
        return new PrivacySpec("patient").with("noiseMultiplier", sigma);
    }

    /** Site-level DP (each site's update clipped to {@code clipNorm} and noised). */
    static PrivacySpec site(Number clipNorm) {
        return new PrivacySpec("site").with("clipNorm", clipNorm);
    }

    /** Another field (clipNorm, delta, epsilonBudget, accountant, ...), as the REST spec names it. */
    PrivacySpec with(String field, Object value) {
        fields.put(field, value);
        return this;
    }

    /** The entry's fields, for a spec that is assembled elsewhere. */
    Map<String, Object> fields() {
        return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    /** A spec fragment holding just this entry: {@code {"privacy": {...}}}. */
    Map<String, Object> spec() {
        return Map.of("privacy", fields());
    }
}
