package org.cohort.coordinator.ops;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.cohort.coordinator.cluster.Leadership;
import org.cohort.coordinator.compliance.PrivacyReports;
import org.cohort.coordinator.round.RoundPhase;
import org.cohort.coordinator.session.SessionHub;
import org.cohort.coordinator.study.StudyRepository;
import org.cohort.coordinator.study.StudyStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
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
    private final StudyRepository studies;
    private final PrivacyReports privacy;
    private volatile MultiGauge epsilonSpent;
    private volatile MultiGauge epsilonLeft;

    CohortMetrics(
            JdbcClient jdbc,
            Leadership leadership,
            SessionHub sessions,
            StudyRepository studies,
            PrivacyReports privacy) {
        this.jdbc = jdbc;
        this.leadership = leadership;
        this.sessions = sessions;
        this.studies = studies;
        this.privacy = privacy;
    }

    /**
     * ε spent and budget left per study, site and unit, from the coordinator's ledger with the
     * study's accountant (what {@code GET /api/studies/{id}/privacy} shows). Refreshed every 30 s,
     * not at each scrape: composing a study's charges costs more than a scrape should.
     */
    @Scheduled(initialDelay = 5_000, fixedDelay = 30_000)
    void refreshPrivacy() {
        MultiGauge spent = epsilonSpent;
        MultiGauge left = epsilonLeft;
        if (spent == null || left == null) {
            return;
        }
        var spentRows = new java.util.ArrayList<MultiGauge.Row<?>>();
        var leftRows = new java.util.ArrayList<MultiGauge.Row<?>>();
        try {
            for (var study : studies.all()) {
                if (study.spec().privacy() == null || !study.spec().privacy().enabled()) {
                    continue;
                }
                for (var site : privacy.studyPrivacy(study.studyId()).sites()) {
                    Tags tags = Tags.of("study", study.studyId(), "site", site.siteName(), "unit", site.unit());
                    spentRows.add(MultiGauge.Row.of(tags, site.spent().epsilon()));
                    if (site.remainingEpsilon() != null) {
                        leftRows.add(MultiGauge.Row.of(tags, site.remainingEpsilon()));
                    }
                }
            }
        } catch (RuntimeException e) {
            return; // the database is down or out of quorum: keep the last values
        }
        spent.register(spentRows, true);
        left.register(leftRows, true);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (RoundPhase phase : RoundPhase.values()) {
            Gauge.builder("cohort.rounds", () -> counts().get("rounds:" + phase.name()))
                    .tag("status", phase.name().toLowerCase(java.util.Locale.ROOT))
                    .description("round attempts by status, all studies (a retried round counts once per attempt)")
                    .register(registry);
        }
        Gauge.builder("cohort.rounds.retried", () -> counts().get("rounds:retried"))
                .description("round attempts that retried an earlier attempt of the same round")
                .register(registry);
        for (StudyStatus status : StudyStatus.values()) {
            Gauge.builder("cohort.studies", () -> counts().get("studies:" + status.name()))
                    .tag("status", status.name().toLowerCase(java.util.Locale.ROOT))
                    .description("studies by status")
                    .register(registry);
        }
        Gauge.builder("cohort.sites.enrolled", () -> counts().get("sites"))
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
        epsilonSpent = MultiGauge.builder("cohort.privacy.epsilon.spent")
                .description("ε spent per study, site and unit, at the study's δ with its accountant")
                .register(registry);
        epsilonLeft = MultiGauge.builder("cohort.privacy.epsilon.remaining")
                .description("ε budget left per study, site and unit (budget minus spent)")
                .register(registry);
    }

    /** How long one set of counts serves: a scrape reads a dozen gauges, and several replicas are scraped. */
    private static final long COUNTS_TTL_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(5);

    private volatile Counts cached;

    /** Every database count in three grouped queries, shared by the gauges of one scrape. */
    private Counts counts() {
        Counts c = cached;
        if (c == null || System.nanoTime() - c.at() > COUNTS_TTL_NANOS) {
            c = new Counts(System.nanoTime(), query());
            cached = c;
        }
        return c;
    }

    private java.util.Map<String, Double> query() {
        var out = new java.util.HashMap<String, Double>();
        try {
            jdbc.sql("SELECT status, COUNT(*) AS n FROM rounds GROUP BY status")
                    .query((rs, i) -> out.put("rounds:" + rs.getString("status"), (double) rs.getLong("n")))
                    .list();
            out.put("rounds:retried", (double) jdbc.sql("SELECT COUNT(*) FROM rounds WHERE attempt > 1")
                    .query(Long.class)
                    .single());
            jdbc.sql("SELECT status, COUNT(*) AS n FROM studies GROUP BY status")
                    .query((rs, i) -> out.put("studies:" + rs.getString("status"), (double) rs.getLong("n")))
                    .list();
            out.put("sites", (double)
                    jdbc.sql("SELECT COUNT(*) FROM sites").query(Long.class).single());
            return out;
        } catch (RuntimeException e) {
            return null; // the database is down: readiness says so; a gauge has no value to give
        }
    }

    /** Counts by key ("rounds:COMPLETED", "studies:RUNNING", "sites"): 0 when none, NaN without a database. */
    private record Counts(long at, java.util.Map<String, Double> values) {
        double get(String key) {
            return values == null ? Double.NaN : values.getOrDefault(key, 0.0);
        }
    }
}
