package org.cohort.coordinator.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The PostgreSQL server integration tests run against, chosen once per test JVM:
 * <ol>
 *   <li>the server at {@code cohort.test.postgres.url} (default {@code 127.0.0.1:5432/test}, user
 *       {@code postgres}, trust auth) when it answers;</li>
 *   <li>else, when Docker is available, a Testcontainers PostgreSQL started from the image
 *       {@code cohort.test.postgres.image} (default {@value #DEFAULT_IMAGE}; a locally built image
 *       works where no registry is reachable: {@code scripts/postgres-test-image.sh}) and stopped
 *       when the JVM exits; {@code -Dcohort.test.postgres.network=host} (or the environment variable
 *       {@code COHORT_TEST_DOCKER_NETWORK=host}) runs it in the host's network for a Docker without a
 *       bridge;</li>
 *   <li>else the test is skipped with a message saying how to run it.</li>
 * </ol>
 * Each test works in its own schema ({@link #freshSchema}), dropped when it closes, so tests can
 * share the server with each other and with whatever else uses it.
 */
public final class TestPostgres {
    static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/test";
    static final String DEFAULT_IMAGE = "postgres:17-alpine";

    /** Where a test's database lives: a JDBC URL without parameters, user and password. */
    public record Server(String url, String user, String password, String origin) {
        public Connection connect() throws SQLException {
            return DriverManager.getConnection(url, user, password);
        }
    }

    /** One test's schema on the server; closing drops it with everything in it. */
    public record Schema(Server server, String name) implements AutoCloseable {
        /** The JDBC URL that makes this schema the default one. */
        public String jdbcUrl() {
            return server.url() + "?currentSchema=" + name;
        }

        /** Spring Boot arguments that point a coordinator's datasource and Flyway at this schema. */
        public List<String> coordinatorArguments() {
            return List.of(
                    "--spring.datasource.url=" + jdbcUrl(),
                    "--spring.datasource.username=" + server.user(),
                    "--spring.datasource.password=" + server.password(),
                    "--spring.flyway.schemas=" + name,
                    "--spring.flyway.default-schema=" + name);
        }

        @Override
        public void close() {
            try (Connection c = server.connect()) {
                c.createStatement().execute("DROP SCHEMA IF EXISTS " + name + " CASCADE");
            } catch (SQLException ignored) {
                // The server went away with the test; there is nothing left to clean.
            }
        }
    }

    private static Server chosen;
    private static String whyNone;

    private TestPostgres() {}

    /** A new, empty schema named {@code prefix_<random>}; skips the calling test when there is no server. */
    public static Schema freshSchema(String prefix) {
        Server server = serverOrSkip();
        String name =
                prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = server.connect()) {
            c.createStatement().execute("CREATE SCHEMA " + name);
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "PostgreSQL at " + server.url() + " refused CREATE SCHEMA: " + e.getMessage(), e);
        }
        return new Schema(server, name);
    }

    /** The server for this JVM's tests; aborts (skips) the calling test when none can be had. */
    public static synchronized Server serverOrSkip() {
        if (chosen == null && whyNone == null) {
            choose();
        }
        if (chosen == null) {
            Assumptions.abort(whyNone);
        }
        return chosen;
    }

    private static void choose() {
        String url = System.getProperty("cohort.test.postgres.url", DEFAULT_URL);
        String user = System.getProperty("cohort.test.postgres.user", "postgres");
        String password = System.getProperty("cohort.test.postgres.password", "");
        var local = new Server(url, user, password, "local server");
        String localProblem;
        try (Connection ignored = local.connect()) {
            chosen = local;
            System.out.println("PostgreSQL tests run on the local server at " + url);
            return;
        } catch (SQLException e) {
            localProblem = e.getMessage();
        }
        if (!dockerAvailable()) {
            whyNone = "no PostgreSQL at " + url + " (" + localProblem + ") and no Docker for a Testcontainers one;"
                    + " start PostgreSQL (or Docker) to run this test";
            return;
        }
        String image = System.getProperty("cohort.test.postgres.image", DEFAULT_IMAGE);
        try {
            chosen = startContainer(image);
            System.out.println("PostgreSQL tests run on a " + chosen.origin() + " at " + chosen.url()
                    + " (no server at " + url + ")");
        } catch (RuntimeException e) {
            whyNone = "no PostgreSQL at " + url + " (" + localProblem
                    + ") and the Testcontainers PostgreSQL from image "
                    + image + " did not start (" + rootCause(e) + "); set -Dcohort.test.postgres.image to an image"
                    + " this Docker has";
        }
    }

    private static String rootCause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e ? String.valueOf(e.getMessage()) : e.getMessage() + ": " + root;
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    @SuppressWarnings("resource") // lives as long as the test JVM; stopped by the shutdown hook
    private static Server startContainer(String image) {
        // A Docker without a bridge network (as on our CI machines) runs containers in the host's
        // network: no port mapping, so the server listens on a free port of the host itself, and
        // the container's own readiness checks must be told that port instead of a mapped one.
        boolean hostNetwork = "host"
                .equals(System.getProperty(
                        "cohort.test.postgres.network",
                        System.getenv().getOrDefault("COHORT_TEST_DOCKER_NETWORK", "")));
        int hostPort = hostNetwork ? freePort() : 0;
        var container = new PostgreSQLContainer(DockerImageName.parse(image).asCompatibleSubstituteFor("postgres")) {
            @Override
            public Integer getMappedPort(int originalPort) {
                return hostNetwork ? hostPort : super.getMappedPort(originalPort);
            }
        }.withDatabaseName("test");
        if (hostNetwork) {
            container.setExposedPorts(java.util.List.of()); // nothing to map in the host network
            container.withNetworkMode("host").withCommand("postgres", "-c", "fsync=off", "-c", "port=" + hostPort);
        }
        container.start();
        Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "stop-test-postgres"));
        String hostAndPort = hostNetwork
                ? "127.0.0.1:" + hostPort
                : container.getHost() + ":" + container.getMappedPort(PostgreSQLContainer.POSTGRESQL_PORT);
        return new Server(
                "jdbc:postgresql://" + hostAndPort + "/test",
                container.getUsername(),
                container.getPassword(),
                "Testcontainers " + image);
    }

    private static int freePort() {
        try (var socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
