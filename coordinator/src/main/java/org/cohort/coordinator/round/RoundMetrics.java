package org.cohort.coordinator.round;

import io.micrometer.core.instrument.Metrics;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Set;

/**
 * What the round engine counts for the operator ({@code cohort_*} at /actuator/prometheus): rounds
 * started, completed, failed and their duration; sites selected, reported and dropped by outcome;
 * secure-aggregation dropouts and unmasking time. Each replica counts what it did (the driver the
 * rounds, every replica its uploads), so Prometheus sums over replicas.
 *
 * <p>Recorded on Micrometer's global registry, which Spring Boot joins to the one it exposes, so
 * that the round engine's classes stay free of Spring and their unit tests need no registry.
 */
final class RoundMetrics {
    /** Drop outcomes as the engine names them; anything else is counted as "other" (bounded tags). */
    private static final Set<String> OUTCOMES = Set.of("refused", "failed", "rejected", "revoked", "dropped");

    private RoundMetrics() {}

    static void started(RoundState state) {
        Metrics.counter("cohort.rounds.started", "kind", kind(state)).increment();
        Metrics.counter("cohort.round.sites", "outcome", "selected")
                .increment(state.selected().size());
    }

    static void completed(RoundState state, Instant now) {
        Metrics.counter("cohort.rounds.completed", "kind", kind(state)).increment();
        Metrics.counter("cohort.round.sites", "outcome", "reported")
                .increment(state.reported().size());
        Metrics.timer("cohort.round.duration", "kind", kind(state))
                .record(Duration.between(state.startedAt(), now).abs());
    }

    static void failed(RoundState state) {
        Metrics.counter("cohort.rounds.failed", "kind", kind(state)).increment();
    }

    static void siteDropped(String outcome) {
        String o = outcome == null ? "other" : outcome.toLowerCase(Locale.ROOT);
        Metrics.counter("cohort.round.sites", "outcome", "dropped", "reason", OUTCOMES.contains(o) ? o : "other")
                .increment();
    }

    static void secureDropouts(int dropouts) {
        Metrics.counter("cohort.secagg.dropouts").increment(dropouts);
    }

    static void unmasked(Duration took) {
        Metrics.timer("cohort.secagg.unmasking").record(took);
    }

    private static String kind(RoundState state) {
        return state.kind().name().toLowerCase(Locale.ROOT);
    }
}
