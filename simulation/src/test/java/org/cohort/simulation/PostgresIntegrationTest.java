package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import org.cohort.coordinator.testing.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The production store: the same Flyway migrations and the same federation against a real
 * PostgreSQL server (the local one, else a Testcontainers one, else skipped: see
 * {@link TestPostgres}), in a fresh schema that is dropped afterwards.
 */
class PostgresIntegrationTest {

    @Test
    void federationRunsOnPostgres(@TempDir Path dir) throws Exception {
        try (var schema = TestPostgres.freshSchema("cohort_it")) {
            try (var fed =
                    new TestFederation(dir, 2, schema.coordinatorArguments().toArray(String[]::new))) {
                fed.runStudy(2);
            }
            try (Connection admin = schema.server().connect();
                    var rs = admin.createStatement()
                            .executeQuery("SELECT count(*) FROM " + schema.name() + ".model_versions")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(3); // initial + two rounds, durable in PostgreSQL
            }
        }
    }
}
