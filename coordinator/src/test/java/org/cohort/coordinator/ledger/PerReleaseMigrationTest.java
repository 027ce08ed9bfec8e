package org.cohort.coordinator.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.cohort.coordinator.audit.AuditKind;
import org.cohort.coordinator.audit.AuditLog;
import org.cohort.coordinator.audit.TestSigner;
import org.cohort.coordinator.compliance.ChainVerification;
import org.cohort.coordinator.compliance.RecordedCharges;
import org.cohort.coordinator.testing.TestPostgres;
import org.cohort.privacy.accounting.PrivacyEvent;
import org.cohort.privacy.accounting.Unit;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationVersion;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;

/**
 * V4 turns per-round charges into per-release ones on H2 and PostgreSQL: a charge made before
 * keeps its round number (empty round id and digest, attempt 0), still counts in the site's ε,
 * and still matches the LEDGER_CHARGE entry that recorded it; new releases of the same round
 * are charged beside it.
 */
class PerReleaseMigrationTest {
    private static final PrivacyEvent ROUND = new PrivacyEvent.SampledGaussian(0.1, 1.1, 20);

    @Test
    void aPerRoundChargeSurvivesTheMigrationOnH2() {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:cohort-" + UUID.randomUUID()
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_DELAY=-1");
        ds.setUser("sa");
        ds.setPassword("");
        migrateAcross(ds, Flyway.configure().dataSource(ds));
    }

    @Test
    void aPerRoundChargeSurvivesTheMigrationOnPostgres() {
        try (var schema = TestPostgres.freshSchema("release_migration")) {
            var ds = new PGSimpleDataSource();
            ds.setURL(schema.server().url());
            ds.setUser(schema.server().user());
            ds.setPassword(schema.server().password());
            ds.setCurrentSchema(schema.name());
            migrateAcross(ds, Flyway.configure().dataSource(ds).schemas(schema.name()));
        }
    }

    private static void migrateAcross(DataSource ds, org.flywaydb.core.api.configuration.FluentConfiguration flyway) {
        flyway.locations("classpath:db/migration")
                .target(MigrationVersion.fromVersion("3"))
                .load()
                .migrate();
        var jdbc = JdbcClient.create(ds);
        jdbc.sql("""
                INSERT INTO studies (study_id, name, spec_json, model_config_json, status, current_version, rounds_done,
                    created_at, updated_at)
                VALUES ('st-1', 'heart', '{}', '{}', 'RUNNING', 2, 1, TIMESTAMP '2026-03-01 12:00:00',
                    TIMESTAMP '2026-03-01 12:00:00')""").update();
        jdbc.sql("""
                INSERT INTO privacy_charges (study_id, round_number, site_id, unit, event_type, sampling_rate,
                    noise_multiplier, steps, charged_at)
                VALUES ('st-1', 1, 'va', 'PATIENT', 'sampled_gaussian', 0.1, 1.1, 20, TIMESTAMP '2026-03-01 12:00:00')""").update();
        var audit = new AuditLog(jdbc, new DataSourceTransactionManager(ds), new TestSigner(), Clock.systemUTC());
        // The entry as it was written then: no attempt, no payload digest.
        var legacy = new LinkedHashMap<String, Object>();
        legacy.put("studyId", "st-1");
        legacy.put("roundNumber", 1);
        legacy.put("roundId", "rd-old");
        legacy.put("siteId", "va");
        legacy.put("unit", Unit.PATIENT);
        legacy.put(
                "event", Map.of("type", "sampled_gaussian", "samplingRate", 0.1, "noiseMultiplier", 1.1, "steps", 20));
        audit.append(AuditKind.LEDGER_CHARGE, "coordinator", legacy);

        flyway.target(MigrationVersion.LATEST).load().migrate();

        var ledger = new PrivacyLedger(jdbc);
        var before = ledger.charges("st-1", "va", Unit.PATIENT);
        assertThat(before).singleElement().satisfies(c -> {
            assertThat(c.perRound()).isTrue();
            assertThat(c.roundNumber()).isEqualTo(1);
            assertThat(c.attempt()).isZero();
            assertThat(c.event()).isEqualTo(ROUND);
        });
        // Round 2 ran twice after the upgrade: two releases, beside the old charge.
        assertThat(ledger.charge(TestDatabase.release("st-1", 2, 1, "va"), Unit.PATIENT, ROUND, Instant.now()))
                .isTrue();
        assertThat(ledger.charge(TestDatabase.release("st-1", 2, 2, "va"), Unit.PATIENT, ROUND, Instant.now()))
                .isTrue();
        assertThat(ledger.charge(TestDatabase.release("st-1", 2, 2, "va"), Unit.PATIENT, ROUND, Instant.now()))
                .isFalse();
        assertThat(ledger.history("st-1", "va", Unit.PATIENT).events()).containsExactly(ROUND, ROUND, ROUND);
        // The old row still matches its old entry (the new rows have none: exactly those two are named).
        var problems = new ChainVerification(audit, ledger, new RecordedCharges(audit, TestDatabase.json())).verify();
        assertThat(problems.summary())
                .contains("disagrees with them in 2 charge(s)")
                .doesNotContain("round 1 ");
    }
}
