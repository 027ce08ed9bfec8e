package org.cohort.coordinator.ops;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.cohort.coordinator.cluster.Leadership;
import org.cohort.coordinator.round.RoundPhase;
import org.cohort.coordinator.session.SessionHub;
import org.cohort.coordinator.study.StudyStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The operator's view of the federation as Prometheus gauges ({@code cohort_*} at
 * /actuator/prometheus), read from the shared database and this replica's state at each scrape,
 * so every replica reports the same cluster-wide counts and nothing is double counted.
 */
@Component
class CohortMetrics implements MeterBinder {
    private final JdbcClient jdbc;
    private final Leadership leadership;
    private final SessionHub sessions;

    CohortMetrics(JdbcClient jdbc, Leadership leadership, SessionHub sessions) {
        this.jdbc = jdbc;
        this.leadership = leadership;
        this.sessions = sessions;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (RoundPhase phase : RoundPhase.values()) {
            Gauge.builder("cohort.rounds", () -> count("SELECT COUNT(*) FROM rounds WHERE status = ?", phase.name()))
                    .tag("status", phase.name().toLowerCase(java.util.Locale.ROOT))
                    .description("round attempts by status, all studies (a retried round counts once per attempt)")
                    .register(registry);
        }
        Gauge.builder("cohort.rounds.retried", () -> count("SELECT COUNT(*) FROM rounds WHERE attempt > ?", "1"))
                .description("round attempts that retried an earlier attempt of the same round")
                .register(registry);
        for (StudyStatus status : StudyStatus.values()) {
            Gauge.builder("cohort.studies", () -> count("SELECT COUNT(*) FROM studies WHERE status = ?", status.name()))
                    .tag("status", status.name().toLowerCase(java.util.Locale.ROOT))
                    .description("studies by status")
                    .register(registry);
        }
        Gauge.builder("cohort.sites.enrolled", () -> count("SELECT COUNT(*) FROM sites WHERE 1 = ?", "1"))
                .description("enrolled sites (revoked ones included)")
                .register(registry);
        Gauge.builder("cohort.sites.connected", () -> sessions.all().size())
                .description("agents with an open session on this replica")
                .register(registry);
        Gauge.builder("cohort.replica.in_quorum", () -> leadership.inQuorum() ? 1 : 0)
                .description("1 while this replica sees the cluster's majority")
                .register(registry);
        Gauge.builder("cohort.replica.leading", () -> leadership.leading() ? 1 : 0)
                .description("1 while this replica drives the rounds")
                .register(registry);
    }

    private double count(String sql, String parameter) {
        try {
            return jdbc.sql(sql).param(parameter).query(Long.class).single();
        } catch (RuntimeException e) {
            return Double.NaN; // the database is down: readiness says so; a gauge has no value to give
        }
    }
}
