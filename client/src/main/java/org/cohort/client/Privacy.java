package org.cohort.client;

import tools.jackson.databind.JsonNode;

/** Privacy questions the coordinator answers without a study: what ε a mechanism would cost. */
public final class Privacy {
    private final Rest rest;

    Privacy(Rest rest) {
        this.rest = rest;
    }

    /**
     * ε of a sampled Gaussian mechanism (sampling rate {@code q}, noise multiplier {@code sigma},
     * composed {@code steps} times) at {@code delta}, with {@code accountant} "rdp" or "pld", and
     * the statement that goes with it.
     */
    public JsonNode epsilon(double q, double sigma, long steps, double delta, String accountant) {
        return rest.get(ApiPath.of("privacy", "epsilon") + "?q=" + q + "&sigma=" + sigma + "&steps=" + steps + "&delta="
                + delta + "&accountant=" + ApiPath.encode(accountant));
    }
}
