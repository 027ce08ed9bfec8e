package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The production store: the same Flyway migrations and the same federation against a real
 * PostgreSQL server. Uses the server on 127.0.0.1:5432 (database {@code test}) when one is
 * running, in a fresh schema that is dropped afterwards; skips with a message otherwise.
 */
class PostgresIntegrationTest {
    static final String URL = System.getProperty("cohort.test.postgres.url", "jdbc:postgresql://127.0.0.1:5432/test");
    static final String USER = System.getProperty("cohort.test.postgres.user", "postgres");

    private static Connection connectOrSkip() {
        try {
            return DriverManager.getConnection(URL, USER, "");
        } catch (SQLException e) {
            Assumptions.abort("no PostgreSQL at " + URL + " (" + e.getMessage() + "); start one to run this test");
            return null;
        }
    }

    @Test
    void federationRunsOnPostgres(@TempDir Path dir) throws Exception {
        String schema = "cohort_it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection admin = connectOrSkip()) {
            admin.createStatement().execute("CREATE SCHEMA " + schema);
            try (var fed = new TestFederation(dir, 2,
                    "--spring.datasource.url=" + URL + "?currentSchema=" + schema,
                    "--spring.datasource.username=" + USER,
                    "--spring.datasource.password=",
                    "--spring.flyway.schemas=" + schema,
                    "--spring.flyway.default-schema=" + schema)) {
                String studyId = fed.createStudy(2, 2, 60);
                fed.startAgent(0, studyId, null);
                fed.startAgent(1, studyId, null);
                fed.awaitConnected(2);
                fed.api.post("/api/studies/" + studyId + "/start", null);
                JsonNode study = fed.awaitStudyEnd(studyId, Duration.ofMinutes(2));
                assertThat(study.get("status").asString()).isEqualTo("COMPLETED");
            }
            try (var rs = admin.createStatement().executeQuery(
                    "SELECT count(*) FROM " + schema + ".model_versions")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(3); // initial + two rounds, durable in PostgreSQL
            }
        } finally {
            try (Connection admin = DriverManager.getConnection(URL, USER, "")) {
                admin.createStatement().execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            } catch (SQLException ignored) {
                // server gone; nothing to clean
            }
        }
    }
}
