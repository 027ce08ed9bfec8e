package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.cohort.coordinator.testing.TestIdentityProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * A coordinator that also takes JWTs from a hospital's or consortium's identity provider (keys in
 * a local JWKS file, groups in the {@code groups} claim), through the same rules as the static
 * tokens, which keep working: a valid token acts in the roles its groups map to (403 elsewhere),
 * one with no mapped group is refused everything (403), and a token that is expired, from another
 * issuer, for another audience, unsigned or badly signed is not accepted at all (401).
 */
class OidcIntegrationTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String ENROLL = "{\"siteName\":\"Oidc Hospital\",\"ttlMinutes\":60}";

    @TempDir
    static Path dir;

    static TestIdentityProvider idp;
    static TestFederation fed;
    static String studyId;

    @BeforeAll
    static void start() throws Exception {
        idp = new TestIdentityProvider();
        Path jwks = idp.writeJwkSet(dir.resolve("idp-jwks.json"));
        // The README's snippet as written, with this provider's issuer, and its keys from a file.
        var arguments = new java.util.ArrayList<String>();
        readmeSnippet().forEach((k, v) -> arguments.add("--" + k + "=" + v));
        arguments.add("--cohort.coordinator.oidc.issuer-uri=" + idp.issuer());
        arguments.add("--cohort.coordinator.oidc.jwk-set-file=" + jwks);
        // A Keycloak-style group path needs the bracket form.
        arguments.add("--cohort.coordinator.oidc.role-mapping[/cohort/operators]=operator");
        fed = new TestFederation(dir, 1, arguments.toArray(String[]::new));
        studyId = fed.createStudy(1, 1, 60);
    }

    /** The properties block under "Signing in with an identity provider" in the README. */
    static java.util.Properties readmeSnippet() throws Exception {
        String readme = java.nio.file.Files.readString(Path.of("..", "README.md"));
        int section = readme.indexOf("#### Signing in with an identity provider");
        int start = readme.indexOf("```properties\n", section) + "```properties\n".length();
        String block = readme.substring(start, readme.indexOf("```", start));
        var properties = new java.util.Properties();
        properties.load(new java.io.StringReader(block));
        assertThat(properties.stringPropertyNames())
                .contains("cohort.coordinator.oidc.issuer-uri", "cohort.coordinator.oidc.audiences");
        assertThat(properties.getProperty("cohort.coordinator.oidc.audiences"))
                .isEqualTo(TestIdentityProvider.AUDIENCE);
        return properties;
    }

    @AfterAll
    static void stop() {
        if (fed != null) {
            fed.close();
        }
        idp.close();
    }

    private static HttpResponse<String> call(String method, String path, String body, String bearer) throws Exception {
        var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + fed.coordinator.restPort() + path))
                .header("Content-Type", "application/json")
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int status(String method, String path, String body, String bearer) throws Exception {
        return call(method, path, body, bearer).statusCode();
    }

    @Test
    void anOperatorsTokenEnrollsSitesAndTheAuditLogNamesThePerson() throws Exception {
        String alice = idp.token("alice", "/cohort/operators", "staff");
        String dave = idp.token("dave", "cohort-operators");
        assertThat(status("POST", "/api/enrollment-tokens", ENROLL, dave)).isEqualTo(200);
        var issued = call("POST", "/api/enrollment-tokens", ENROLL, alice);
        assertThat(issued.statusCode()).isEqualTo(200);
        assertThat(status("GET", "/api/sites", null, alice)).isEqualTo(200);
        assertThat(status("POST", "/api/studies/" + studyId + "/start", null, alice))
                .isEqualTo(403);
        assertThat(status("GET", "/api/studies/" + studyId + "/model-config", null, alice))
                .isEqualTo(403);

        JsonNode entry = lastOfKind("ENROLLMENT_TOKEN_ISSUED");
        assertThat(entry.get("actor").asString()).isEqualTo("oidc:alice");
        assertThat(entry.get("details").get("siteName").asString()).isEqualTo("Oidc Hospital");
        assertThat(issued.body()).contains(entry.get("details").get("tokenId").asString());
    }

    @Test
    void theMlTeamAndComplianceHoldTheirJobsOnly() throws Exception {
        String bob = idp.token("bob", "cohort-ml");
        assertThat(status("GET", "/api/studies/" + studyId + "/model-config", null, bob))
                .isEqualTo(200);
        assertThat(status("POST", "/api/enrollment-tokens", ENROLL, bob)).isEqualTo(403);
        String other = fed.createStudy(1, 1, 60);
        assertThat(status("POST", "/api/studies/" + other + "/stop", null, bob)).isEqualTo(200);
        assertThat(lastOfKind("STUDY_STOPPED").get("actor").asString()).isEqualTo("oidc:bob");

        String carol = idp.token("carol", "cohort-compliance");
        for (String read : new String[] {"/api/audit/verify", "/api/studies/" + studyId + "/privacy"}) {
            assertThat(status("GET", read, null, carol)).as(read).isEqualTo(200);
        }
        assertThat(status("GET", "/api/studies/" + studyId + "/models/1/parameters", null, carol))
                .isEqualTo(403);
        assertThat(status("POST", "/api/studies/" + studyId + "/stop", null, carol))
                .isEqualTo(403);
    }

    @Test
    void anAdminGroupDoesWhatTheAdminTokenDoes() throws Exception {
        String root = idp.token("root", "cohort-admins");
        assertThat(status("GET", "/v3/api-docs", null, root)).isEqualTo(200);
        assertThat(status("POST", "/api/enrollment-tokens", ENROLL, root)).isEqualTo(200);
    }

    @Test
    void aValidTokenWithNoMappedGroupIsRefusedEverything() throws Exception {
        for (String token : new String[] {
            idp.token("eve"),
            idp.token("eve", "staff", "Cohort-Operators", "cohort"), // group names not in the mapping
            // The right group, in a claim the coordinator does not read.
            idp.token("eve", c -> c.claim("groups", null).claim("roles", List.of("cohort-admins")))
        }) {
            assertThat(status("GET", "/api/studies", null, token)).isEqualTo(403);
            assertThat(status("POST", "/api/enrollment-tokens", ENROLL, token)).isEqualTo(403);
            assertThat(status("GET", "/actuator/prometheus", null, token)).isEqualTo(403);
        }
    }

    @Test
    void aTokenThatIsNotValidIsNotAccepted() throws Exception {
        var past = Instant.now().minusSeconds(600);
        var admins = idp.claims("mallory", "cohort-admins").build();
        var refused = new java.util.LinkedHashMap<String, String>();
        refused.put(
                "expired",
                idp.token(
                        "mallory",
                        c -> c.issueTime(Date.from(past.minusSeconds(60))).expirationTime(Date.from(past)),
                        "cohort-admins"));
        refused.put("another issuer", idp.token("mallory", c -> c.issuer("https://idp.example.org"), "cohort-admins"));
        refused.put("another audience", idp.token("mallory", c -> c.audience("other-app"), "cohort-admins"));
        refused.put("signed by another key", idp.signedByStranger(admins));
        refused.put("alg none", TestIdentityProvider.unsigned(admins));
        refused.put("HS256 with the public key", idp.hmacWithPublicKey(admins));
        refused.put("truncated", idp.sign(admins).substring(0, idp.sign(admins).lastIndexOf('.') + 1));
        for (var e : refused.entrySet()) {
            var r = call("GET", "/api/studies", null, e.getValue());
            assertThat(r.statusCode()).as(e.getKey()).isEqualTo(401);
            assertThat(r.body()).as(e.getKey()).contains("\"error\":\"unauthorized\"");
            assertThat(status("POST", "/api/enrollment-tokens", ENROLL, e.getValue()))
                    .as(e.getKey())
                    .isEqualTo(401);
        }
    }

    @Test
    void staticTokensKeepWorkingAndProbesNeedNone() throws Exception {
        assertThat(status("GET", "/api/studies", null, fed.coordinator.roleToken("compliance-token")))
                .isEqualTo(200);
        assertThat(status("POST", "/api/enrollment-tokens", ENROLL, fed.coordinator.roleToken("operator-token")))
                .isEqualTo(200);
        assertThat(status("POST", "/api/enrollment-tokens", ENROLL, fed.coordinator.roleToken("compliance-token")))
                .isEqualTo(403);
        assertThat(status("GET", "/api/studies", null, "not-a-token")).isEqualTo(401);
        assertThat(status("GET", "/api/studies", null, null)).isEqualTo(401);
        assertThat(status("GET", "/actuator/health/readiness", null, null)).isEqualTo(200);
        // The dashboard is the same page, calling the same API with whichever token is pasted in.
        var page = call("GET", "/", null, null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("a JWT from your identity provider");
    }

    private static JsonNode lastOfKind(String kind) {
        JsonNode last = null;
        for (JsonNode e : fed.api.audit().entries(0, 1000).get("entries")) {
            if (e.get("kind").asString().equals(kind)) {
                last = e;
            }
        }
        assertThat(last).as(kind).isNotNull();
        return last;
    }
}
