package org.cohort.coordinator.ledger;

import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.cohort.coordinator.study.Study;
import org.cohort.coordinator.study.StudyRepository;
import org.cohort.coordinator.study.StudySpec;
import org.cohort.coordinator.study.StudyStatus;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.json.JsonMapper;

/** A migrated H2 database in PostgreSQL mode, as the coordinator runs it, without Spring. */
public final class TestDatabase {
    private static final String OPTIONS = ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH";

    static {
        // Flyway warns at every migration that H2 2.4 is newer than it was verified with; keep test output readable.
        if (org.slf4j.LoggerFactory.getLogger("org.flywaydb") instanceof ch.qos.logback.classic.Logger l) {
            l.setLevel(ch.qos.logback.classic.Level.ERROR);
        }
    }

    private TestDatabase() {}

    /** A fresh in-memory database with V1 and V2 applied. */
    public static DataSource inMemory() {
        return migrated("jdbc:h2:mem:cohort-" + UUID.randomUUID() + OPTIONS + ";DB_CLOSE_DELAY=-1");
    }

    /** A file database under {@code dir}: opening it again is what a coordinator restart does. */
    public static DataSource file(Path dir) {
        return migrated("jdbc:h2:file:" + dir.resolve("cohort").toAbsolutePath() + OPTIONS);
    }

    private static DataSource migrated(String url) {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL(url);
        ds.setUser("sa");
        ds.setPassword("");
        Flyway.configure()
                .dataSource(ds)
                .locations("classpath:db/migration")
                .load()
                .migrate();
        return ds;
    }

    public static JsonMapper json() {
        return JsonMapper.builder().build();
    }

    /**
     * Privacy settings of a study: mode "patient" or "site", budget ε at δ, accountant "rdp" or
     * "pld". Built from JSON, as the REST API receives them, so new spec fields need no test changes.
     */
    public static StudySpec.Privacy privacy(String mode, double budget, double delta, String accountant) {
        return json().convertValue(
                        Map.of(
                                "mode",
                                mode,
                                "clipNorm",
                                1.0,
                                "noiseMultiplier",
                                1.1,
                                "delta",
                                delta,
                                "epsilonBudget",
                                budget,
                                "accountant",
                                accountant,
                                "expectedBatchSize",
                                32),
                        StudySpec.Privacy.class);
    }

    /** Inserts a study (with the given privacy, or none when null) and returns it. */
    public static Study study(DataSource ds, String studyId, String name, StudySpec.Privacy privacy) {
        Map<String, Object> requested = new LinkedHashMap<>(Map.of("name", name, "rounds", 10, "minSites", 2));
        requested.put("privacy", privacy == null ? Map.of("mode", "none") : json().convertValue(privacy, Map.class));
        var spec = json().convertValue(requested, StudySpec.class).withDefaults();
        var now = Instant.parse("2026-03-01T09:00:00Z");
        var study = new Study(studyId, spec, "{}", StudyStatus.RUNNING, "running", 1, 0, now, now);
        new StudyRepository(JdbcClient.create(ds), json()).insert(study);
        return study;
    }

    /** Enrolls a site row so reports can name it. */
    public static void site(DataSource ds, String siteId, String siteName) {
        JdbcClient.create(ds)
                .sql("""
                INSERT INTO sites (site_id, site_name, certificate_serial, certificate_not_after,
                                   update_signing_public_key, agent_version, enrolled_at)
                VALUES (?, ?, ?, TIMESTAMP '2027-01-01 00:00:00', ?, 'test', TIMESTAMP '2026-01-01 00:00:00')""")
                .params(siteId, siteName, UUID.randomUUID().toString().replace("-", ""), new byte[] {1})
                .update();
    }

    /**
     * The release of a site's update in the first attempt of round {@code round} (round id
     * "rd-ROUND-1", a digest made from study, round and site): one charge per round, as these
     * tests expect.
     */
    public static Release release(String studyId, int round, String siteId) {
        return release(studyId, round, 1, siteId);
    }

    /** The release of a site's update in attempt {@code attempt} of a round: each attempt trains again, a new digest. */
    public static Release release(String studyId, int round, int attempt, String siteId) {
        byte[] digest;
        try {
            digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest((studyId + "/" + round + "/" + attempt + "/" + siteId)
                            .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return Release.of(
                studyId,
                round,
                "rd-" + round + "-" + attempt,
                attempt,
                siteId,
                digest,
                ("manifest of " + siteId).getBytes(java.nio.charset.StandardCharsets.UTF_8),
                new byte[64]);
    }

    public static List<String> tables(DataSource ds) {
        return JdbcClient.create(ds)
                .sql("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
                .query(String.class)
                .list();
    }
}
