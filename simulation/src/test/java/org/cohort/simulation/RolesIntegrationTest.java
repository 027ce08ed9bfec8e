package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Roles instead of one shared token: the operator enrolls and revokes sites, the ML team runs
 * studies, compliance reads; each reads everything and writes only what its job needs.
 */
class RolesIntegrationTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path dir;

    static TestFederation fed;
    static String studyId;

    @BeforeAll
    static void start() throws Exception {
        fed = new TestFederation(dir, 1);
        studyId = fed.createStudy(1, 1, 60);
    }

    @AfterAll
    static void stop() {
        fed.close();
    }

    private static int call(String method, String path, String body, String tokenFile) throws Exception {
        String token = tokenFile.equals("admin-token")
                ? fed.coordinator.adminToken()
                : tokenFile.equals("wrong") ? "not-a-token" : fed.coordinator.roleToken(tokenFile);
        var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + fed.coordinator.restPort() + path))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    private static final String ENROLL = "{\"siteName\":\"Roles Test\",\"ttlMinutes\":60}";

    @Test
    void complianceReadsEverythingAndWritesNothing() throws Exception {
        for (String read : new String[] {
            "/api/studies",
            "/api/sites",
            "/api/audit/verify",
            "/api/studies/" + studyId + "/privacy",
            "/actuator/prometheus"
        }) {
            assertThat(call("GET", read, null, "compliance-token")).as(read).isEqualTo(200);
        }
        assertThat(call("POST", "/api/enrollment-tokens", ENROLL, "compliance-token"))
                .isEqualTo(403);
        assertThat(call("POST", "/api/studies/" + studyId + "/stop", null, "compliance-token"))
                .isEqualTo(403);
        assertThat(call("POST", "/api/sites/site-0001/revoke", "{}", "compliance-token"))
                .isEqualTo(403);
        // Model weights are the ML team's: a round's difference can be close to one site's update.
        assertThat(call("GET", "/api/studies/" + studyId + "/models/1/parameters", null, "compliance-token"))
                .isEqualTo(403);
        assertThat(call("GET", "/api/studies/" + studyId + "/model-config", null, "operator-token"))
                .isEqualTo(403);
        assertThat(call("GET", "/api/studies/" + studyId + "/model-config", null, "ml-token"))
                .isEqualTo(200);
    }

    @Test
    void theOperatorEnrollsSitesButRunsNoStudy() throws Exception {
        assertThat(call("POST", "/api/enrollment-tokens", ENROLL, "operator-token"))
                .isEqualTo(200);
        assertThat(call("POST", "/api/studies/" + studyId + "/start", null, "operator-token"))
                .isEqualTo(403);
        assertThat(call("GET", "/api/studies/" + studyId, null, "operator-token"))
                .isEqualTo(200);
    }

    @Test
    void theMlTeamRunsStudiesButEnrollsNoSite() throws Exception {
        assertThat(call("POST", "/api/enrollment-tokens", ENROLL, "ml-token")).isEqualTo(403);
        assertThat(call("POST", "/api/sites/site-0001/revoke", "{}", "ml-token"))
                .isEqualTo(403);
        assertThat(call("POST", "/api/studies/" + studyId + "/stop", null, "ml-token"))
                .isIn(200, 409);
    }

    @Test
    void theAuditLogSaysWhichRoleMadeAChange() throws Exception {
        String other = fed.createStudy(1, 1, 60);
        assertThat(call("POST", "/api/studies/" + other + "/stop", null, "ml-token"))
                .isEqualTo(200);
        var stopped = fed.api
                .audit()
                .entries(0, 1000)
                .get("entries")
                .valueStream()
                .filter(e -> e.get("kind").asString().equals("STUDY_STOPPED")
                        && e.get("details").get("studyId").asString().equals(other))
                .findFirst()
                .orElseThrow();
        assertThat(stopped.get("actor").asString()).isEqualTo("ml");
    }

    @Test
    void aTokenComesWithAJoinCodeAndAnUnusableAddressWastesNoToken() throws Exception {
        var issued = fed.api.enrollment().token("Join Code Hospital", java.time.Duration.ofMinutes(30));
        var join = org.cohort.protocol.JoinCode.decode(issued.get("joinCode").asString());
        assertThat(join.siteName()).isEqualTo("Join Code Hospital");
        assertThat(join.token()).isEqualTo(issued.get("token").asString());
        assertThat(join.caFingerprint()).isEqualTo(issued.get("caFingerprint").asString());
        assertThat(join.addresses())
                .containsExactly("localhost:" + issued.get("agentPort").asInt());

        var request = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + fed.coordinator.restPort() + "/api/enrollment-tokens"))
                .header("Authorization", "Bearer " + fed.coordinator.roleToken("operator-token"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"siteName\":\"No Port Hospital\",\"agentAddresses\":[\"coordinator.example.org\"]}"))
                .build();
        var response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("host:port");
        assertThat(fed.api.audit().entries(0, 1000).get("entries").valueStream())
                .noneMatch(e -> e.toString().contains("No Port Hospital"));
    }

    @Test
    void issuingAnEnrollmentTokenIsAuditedWithoutTheToken() throws Exception {
        var request = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + fed.coordinator.restPort() + "/api/enrollment-tokens"))
                .header("Authorization", "Bearer " + fed.coordinator.roleToken("operator-token"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"siteName\":\"Audited Hospital\",\"ttlMinutes\":90}"))
                .build();
        var response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        var issued = new tools.jackson.databind.json.JsonMapper().readTree(response.body());
        var entries = fed.api.audit().entries(0, 1000);
        var entry = entries.get("entries")
                .valueStream()
                .filter(e -> e.get("kind").asString().equals("ENROLLMENT_TOKEN_ISSUED")
                        && e.get("details").get("siteName").asString().equals("Audited Hospital"))
                .findFirst()
                .orElseThrow();
        assertThat(entry.get("actor").asString()).isEqualTo("operator");
        assertThat(java.time.Instant.parse(entry.get("details").get("expiresAt").asString()))
                .isEqualTo(java.time.Instant.parse(issued.get("expiresAt").asString()));
        String token = issued.get("token").asString();
        String secret = token.substring(token.lastIndexOf('.') + 1);
        assertThat(entries.toString()).doesNotContain(token).doesNotContain(secret);
        assertThat(fed.api.audit().verify().get("valid").asBoolean()).isTrue();
    }

    @Test
    void theAdminTokenStillDoesEverythingAndAWrongTokenNothing() throws Exception {
        assertThat(call("POST", "/api/enrollment-tokens", ENROLL, "admin-token"))
                .isEqualTo(200);
        assertThat(call("GET", "/api/studies", null, "wrong")).isEqualTo(401);
    }
}
