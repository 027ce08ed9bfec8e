package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operations surface of a started coordinator: probes an orchestrator calls without
 * credentials, metrics and the API description behind the admin token, and nothing else of the
 * actuator reachable.
 */
class OperationsIntegrationTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static HttpResponse<String> get(TestFederation fed, String path, String token) throws Exception {
        var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + fed.coordinator.restPort() + path));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void probesAnswerWithoutATokenAndSayNothingElse(@TempDir Path dir) throws Exception {
        try (var fed = new TestFederation(dir, 1)) {
            for (String probe : new String[] {"/actuator/health/liveness", "/actuator/health/readiness"}) {
                var r = get(fed, probe, null);
                assertThat(r.statusCode()).as(probe).isEqualTo(200);
                assertThat(r.body()).as(probe).isEqualTo("{\"status\":\"UP\"}");
            }
            for (String closed : new String[] {
                "/actuator/prometheus",
                "/actuator/health",
                "/actuator/health/db",
                "/actuator/health/clusterQuorum",
                "/actuator/health/livenessState",
                "/actuator/info",
                "/actuator",
                "/v3/api-docs",
                "/actuator/env",
                "/actuator/heapdump"
            }) {
                assertThat(get(fed, closed, null).statusCode()).as(closed).isEqualTo(401);
                // A role's token is not enough for the rest of the actuator either (prometheus aside).
                if (!closed.equals("/actuator/prometheus") && !closed.equals("/v3/api-docs")) {
                    assertThat(get(fed, closed, fed.coordinator.roleToken("compliance-token"))
                                    .statusCode())
                            .as(closed)
                            .isEqualTo(403);
                }
            }
        }
    }

    @Test
    void readinessGoesDownWhileTheDatabaseIsUnreachable(@TempDir Path dir) throws Exception {
        // The database password from a file (a mounted secret), as deploy/ passes it.
        Path secret = java.nio.file.Files.writeString(dir.resolve("db-password"), "from-a-secret-file\n");
        try (var fed = new TestFederation(dir, 1, "--cohort.coordinator.datasource-password-file=" + secret)) {
            assertThat(((com.zaxxer.hikari.HikariDataSource) fed.coordinator.bean(javax.sql.DataSource.class))
                            .getPassword())
                    .isEqualTo("from-a-secret-file");
            assertThat(get(fed, "/actuator/health/readiness", null).statusCode())
                    .isEqualTo(200);
            // The connection pool closed: every new connection fails, as with a database that went away.
            var pool = fed.coordinator.bean(javax.sql.DataSource.class);
            ((java.io.Closeable) pool).close();
            var readiness = get(fed, "/actuator/health/readiness", null);
            assertThat(readiness.statusCode()).isEqualTo(503);
            assertThat(readiness.body()).isEqualTo("{\"status\":\"DOWN\"}");
            // Alive all the same: an orchestrator stops sending traffic, it does not restart the replica.
            assertThat(get(fed, "/actuator/health/liveness", null).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void readinessIsOutOfServiceWhileTheReplicaIsOutOfQuorum(@TempDir Path dir) throws Exception {
        int[] ports = {ChildProcesses.freePort(), ChildProcesses.freePort(), ChildProcesses.freePort()};
        // One of three replicas configured, two needed: this one is cut off from the majority.
        try (var alone = InProcessCoordinator.start(
                dir.resolve("coordinator"),
                "--cohort.coordinator.cluster.port=" + ports[0],
                "--cohort.coordinator.cluster.members=127.0.0.1:" + ports[0] + ",127.0.0.1:" + ports[1] + ",127.0.0.1:"
                        + ports[2],
                "--cohort.coordinator.cluster.quorum=2")) {
            var base = "http://127.0.0.1:" + alone.restPort();
            var readiness = HTTP.send(
                    HttpRequest.newBuilder(URI.create(base + "/actuator/health/readiness"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(readiness.statusCode()).isEqualTo(503);
            assertThat(readiness.body()).isEqualTo("{\"status\":\"OUT_OF_SERVICE\"}");
            var liveness = HTTP.send(
                    HttpRequest.newBuilder(URI.create(base + "/actuator/health/liveness"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(liveness.statusCode()).isEqualTo(200);
        }
    }

    @Test
    void metricsAndTheApiDescriptionAnswerTheAdminToken(@TempDir Path dir) throws Exception {
        try (var fed = new TestFederation(dir, 1)) {
            String token = fed.coordinator.adminToken();
            fed.createStudy(1, 1, 60, java.util.Map.of());
            var metrics = get(fed, "/actuator/prometheus", token);
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body())
                    .contains(
                            "cohort_studies{",
                            "status=\"created\"} 1.0",
                            "cohort_rounds{",
                            "cohort_sites_enrolled ",
                            "cohort_replica_in_quorum 1.0",
                            "cohort_sites_connected ");
            var api = get(fed, "/v3/api-docs", token);
            assertThat(api.statusCode()).isEqualTo(200);
            assertThat(api.body()).contains("\"openapi\"", "/api/studies", "/api/sites");
            // Not exposed at all, even with the token.
            assertThat(get(fed, "/actuator/env", token).statusCode()).isIn(403, 404);
        }
    }

    @Test
    void aRoundLeavesItsCountsDurationAndBytesInTheMetrics(@TempDir Path dir) throws Exception {
        try (var fed = new TestFederation(dir, 1)) {
            fed.runStudy(1);
            String metrics = get(fed, "/actuator/prometheus", fed.coordinator.adminToken())
                    .body();
            for (String counted : new String[] {
                "cohort_rounds_started_total{kind=\"train\"}",
                "cohort_rounds_completed_total{kind=\"train\"}",
                "cohort_rounds_completed_total{kind=\"evaluate\"}",
                "cohort_round_duration_seconds_count{kind=\"train\"}",
                "cohort_round_sites_total{outcome=\"selected\"}",
                "cohort_round_sites_total{outcome=\"reported\"}",
                "cohort_upload_bytes_total",
                "cohort_model_bytes_total"
            }) {
                assertThat(value(metrics, counted)).as(counted).isPositive();
            }
        }
    }

    /** The value of the sample whose name and labels start with {@code sample}; NaN when absent. */
    private static double value(String prometheusText, String sample) {
        String prefix = sample.endsWith("}") ? sample.substring(0, sample.length() - 1) : sample;
        return prometheusText
                .lines()
                .filter(l -> l.startsWith(prefix + (sample.endsWith("}") ? "" : " "))
                        || l.startsWith(prefix + (sample.endsWith("}") ? "," : "{")))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .findFirst()
                .orElse(Double.NaN);
    }

    @Test
    void theAgentPortAnswersTheStandardGrpcHealthCheckWithoutAClientCertificate(@TempDir Path dir) throws Exception {
        try (var fed = new TestFederation(dir, 1)) {
            String fingerprint = fed.token("health-probe").get("caFingerprint").asString();
            var pinned = org.cohort.crypto.tls.PinnedCaTrust.forFingerprint(fingerprint);
            var channel = fed.anonymousChannel(pinned);
            try {
                var response = io.grpc.health.v1.HealthGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS)
                        .check(io.grpc.health.v1.HealthCheckRequest.getDefaultInstance());
                assertThat(response.getStatus()).isEqualTo(io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
            } finally {
                channel.shutdownNow();
            }
        }
    }
}
