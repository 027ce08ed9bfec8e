package org.cohort.coordinator.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import org.cohort.coordinator.audit.AuditLog;
import org.cohort.coordinator.audit.TestSigner;
import org.cohort.coordinator.audit.VerificationResult;
import org.cohort.coordinator.testing.TestPostgres;
import org.cohort.privacy.accounting.PrivacyEvent;
import org.cohort.privacy.accounting.Unit;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The ledger and the audit log on PostgreSQL, the production store: the same V2 migration,
 * exactly-once charges inside a transaction, and tamper detection, in a fresh schema dropped
 * afterwards on the local server or a Testcontainers one (skipped without either; see {@link TestPostgres}).
 */
class PostgresComplianceTest {
    private TestPostgres.Schema schema;
    private PGSimpleDataSource ds;

    @BeforeEach
    void createSchema() {
        schema = TestPostgres.freshSchema("compliance");
        ds = new PGSimpleDataSource();
        ds.setURL(schema.server().url());
        ds.setUser(schema.server().user());
        ds.setPassword(schema.server().password());
        ds.setCurrentSchema(schema.name());
        Flyway.configure()
                .dataSource(ds)
                .schemas(schema.name())
                .locations("classpath:db/migration")
                .load()
                .migrate();
        JdbcClient.create(ds).sql("""
                INSERT INTO studies (study_id, name, spec_json, model_config_json, status, current_version, rounds_done,
                    created_at, updated_at)
                VALUES ('st-1', 'heart', '{}', '{}', 'RUNNING', 1, 0, now(), now())""").update();
    }

    @AfterEach
    void dropSchema() {
        if (schema != null) {
            schema.close();
        }
    }

    @Test
    void chargesOnceEvenInsideATransactionOnPostgres() {
        var ledger = new PrivacyLedger(JdbcClient.create(ds));
        var event = new PrivacyEvent.SampledGaussian(150.0 / 60000, 1.0 / 3, 6000);
        var tx = new TransactionTemplate(new DataSourceTransactionManager(ds));

        Boolean first = tx.execute(
                s -> ledger.charge(TestDatabase.release("st-1", 1, "va"), Unit.PATIENT, event, Instant.now()));
        assertThat(first).isTrue();
        // A second charge inside a transaction must not abort it (no duplicate-key error on PostgreSQL).
        Boolean again = tx.execute(s -> {
            boolean charged = ledger.charge(TestDatabase.release("st-1", 1, "va"), Unit.PATIENT, event, Instant.now());
            ledger.charge(TestDatabase.release("st-1", 2, "va"), Unit.PATIENT, event, Instant.now());
            return charged;
        });
        assertThat(again).isFalse();
        assertThat(ledger.history("st-1", "va", Unit.PATIENT).events()).containsExactly(event, event); // exact doubles
    }

    @Test
    void detectsAnEditedAuditEntryOnPostgres() {
        var log = new AuditLog(
                JdbcClient.create(ds), new DataSourceTransactionManager(ds), new TestSigner(), Clock.systemUTC());
        for (int i = 1; i <= 3; i++) {
            log.append("TEST", "coordinator", Map.of("studyId", "st-1", "n", i, "note", "ε ≤ 1, δ = 1e-5"));
        }
        assertThat(log.verify().valid()).isTrue();
        assertThat(log.mentioning("studyId", "st-1")).hasSize(3);

        JdbcClient.create(ds)
                .sql("UPDATE audit_entries SET details = replace(details, '\"n\":2', '\"n\":20') WHERE seq = 2")
                .update();

        VerificationResult v = log.verify();
        assertThat(v.valid()).isFalse();
        assertThat(v.firstProblem().seq()).isEqualTo(2);
        assertThat(v.firstProblem().defect()).isEqualTo(VerificationResult.Defect.HASH_MISMATCH);
    }
}
