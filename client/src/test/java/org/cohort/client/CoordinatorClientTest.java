package org.cohort.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each typed call against a stand-in coordinator: the method and path it sends (written out
 * here, as the coordinator's controllers map them, so a typo in the client cannot agree with
 * itself), the admin token, the body, and how failures come back.
 */
class CoordinatorClientTest {
    private static final String TOKEN = "s3cret";

    /** "METHOD path?query" → the answer's body; anything else answers 404. */
    private final Map<String, String> answers = new ConcurrentHashMap<>();

    private final List<String> seen = new CopyOnWriteArrayList<>();
    private final Map<String, String> bodies = new ConcurrentHashMap<>();
    private HttpServer server;
    private CoordinatorClient client;

    @BeforeEach
    void startCoordinator() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            URI uri = exchange.getRequestURI();
            String call = exchange.getRequestMethod() + " " + uri.getRawPath()
                    + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
            seen.add(call);
            bodies.put(call, new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            int status;
            String body;
            if (!("Bearer " + TOKEN).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                status = 401;
                body = "{\"error\":\"unauthorized\",\"message\":\"send Authorization: Bearer <token>\"}";
            } else if (answers.containsKey(call)) {
                status = 200;
                body = answers.get(call);
            } else {
                status = 404;
                body = "{\"error\":\"not found\",\"message\":\"no study with id 'st-404'\"}";
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        client = CoordinatorClient.connect(
                URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/"), TOKEN);
    }

    @AfterEach
    void stopCoordinator() {
        server.stop(0);
    }

    @Test
    void callsEachStudyEndpoint(@TempDir Path dir) throws Exception {
        answers.put("POST /api/studies", "{\"studyId\":\"st-1\"}");
        answers.put("GET /api/studies", "[{\"studyId\":\"st-1\"}]");
        answers.put("GET /api/studies/st-1", "{\"status\":\"CREATED\"}");
        answers.put("POST /api/studies/st-1/start", "");
        answers.put("POST /api/studies/st-1/stop", "{\"status\":\"STOPPED\"}");
        answers.put("GET /api/studies/st-1/rounds", "[]");
        answers.put("GET /api/studies/st-1/models", "[{\"version\":1}]");
        answers.put("GET /api/studies/st-1/model-config", "{ \"layers\" : [] }");
        answers.put("GET /api/studies/st-1/models/3/parameters", "abcd");
        answers.put("GET /api/studies/st-1/terms", "{\"digest\":\"sha256:00\"}");
        answers.put("GET /api/studies/st-1/privacy", "{\"sites\":[]}");
        answers.put("GET /api/studies/st-1/privacy-report", "{ \"title\" : \"Privacy report\" }");
        answers.put("GET /api/studies/st-1/privacy-report.html", "<!DOCTYPE html>ε");

        Studies studies = client.studies();
        assertThat(studies.create(Map.of("name", "heart")).get("studyId").asString())
                .isEqualTo("st-1");
        assertThat(bodies.get("POST /api/studies")).isEqualTo("{\"name\":\"heart\"}");
        assertThat(studies.list()).hasSize(1);
        assertThat(studies.get("st-1").get("status").asString()).isEqualTo("CREATED");
        assertThat(studies.start("st-1").isEmpty()).isTrue(); // an empty answer reads as {}
        assertThat(studies.stop("st-1").get("status").asString()).isEqualTo("STOPPED");
        assertThat(studies.rounds("st-1")).isEmpty();
        assertThat(studies.models("st-1")).hasSize(1);
        assertThat(studies.modelConfig("st-1")).isEqualTo("{ \"layers\" : [] }"); // as stored, not re-written
        Path parameters = dir.resolve("parameters.f32");
        studies.downloadParameters("st-1", 3, parameters);
        assertThat(Files.readString(parameters)).isEqualTo("abcd");
        assertThat(studies.terms("st-1").get("digest").asString()).isEqualTo("sha256:00");
        assertThat(studies.privacy("st-1").get("sites")).isEmpty();
        assertThat(studies.privacyReport("st-1", Studies.ReportFormat.JSON))
                .isEqualTo("{ \"title\" : \"Privacy report\" }");
        assertThat(studies.privacyReport("st-1", Studies.ReportFormat.HTML)).isEqualTo("<!DOCTYPE html>ε");
    }

    @Test
    void callsTheSiteAuditEnrollmentStatusAndPrivacyEndpoints() {
        answers.put("GET /api/sites", "[{\"siteId\":\"s-1\"}]");
        answers.put("POST /api/sites/s-1/revoke", "{\"revoked\":true}");
        answers.put("GET /api/audit/verify", "{\"valid\":true}");
        answers.put("GET /api/audit/verify?expectSeq=12&expectHash=ab12", "{\"valid\":false}");
        answers.put("GET /api/audit/head", "{\"seq\":12}");
        answers.put("GET /api/audit/entries?after=11&limit=1", "{\"entries\":[]}");
        answers.put("POST /api/enrollment-tokens", "{\"token\":\"t\",\"caFingerprint\":\"sha256:ca\"}");
        answers.put("GET /api/status", "{\"connectedSites\":2}");
        answers.put(
                "GET /api/privacy/epsilon?q=0.01&sigma=1.1&steps=1000&delta=1.0E-5&accountant=rdp", "{\"epsilon\":1}");

        assertThat(client.sites().list()).hasSize(1);
        assertThat(client.sites().revoke("s-1", "left").get("revoked").asBoolean())
                .isTrue();
        assertThat(bodies.get("POST /api/sites/s-1/revoke")).isEqualTo("{\"reason\":\"left\"}");
        assertThat(client.audit().verify().get("valid").asBoolean()).isTrue();
        assertThat(client.audit().verify(12, "ab12").get("valid").asBoolean()).isFalse();
        assertThat(client.audit().head().get("seq").asLong()).isEqualTo(12);
        assertThat(client.audit().entries(11, 1).get("entries")).isEmpty();
        assertThat(client.enrollment()
                        .token("Cleveland", Duration.ofMinutes(10))
                        .get("token")
                        .asString())
                .isEqualTo("t");
        assertThat(client.json().readTree(bodies.get("POST /api/enrollment-tokens")))
                .isEqualTo(client.json().readTree("{\"siteName\":\"Cleveland\",\"ttlMinutes\":10}"));
        assertThat(client.status().get("connectedSites").asInt()).isEqualTo(2);
        assertThat(client.reachable(Duration.ofSeconds(2))).isTrue();
        assertThat(client.privacy()
                        .epsilon(0.01, 1.1, 1000, 1e-5, "rdp")
                        .get("epsilon")
                        .asInt())
                .isEqualTo(1);
    }

    @Test
    void encodesIdsSoThatTheyCannotChangeTheEndpoint() {
        assertThatThrownBy(() -> client.studies().rounds("st-1/../../audit x"))
                .isInstanceOf(CoordinatorException.class);
        assertThat(seen).containsExactly("GET /api/studies/st-1%2F..%2F..%2Faudit%20x/rounds");
    }

    @Test
    void aRefusalCarriesTheStatusAndTheCoordinatorsMessage() {
        assertThatThrownBy(() -> client.studies().privacy("st-404"))
                .isInstanceOfSatisfying(CoordinatorException.class, e -> {
                    assertThat(e.failure()).isEqualTo(CoordinatorException.Failure.REFUSED);
                    assertThat(e.status()).isEqualTo(404);
                    assertThat(e.path()).isEqualTo("/api/studies/st-404/privacy");
                    assertThat(e.serverMessage()).isEqualTo("no study with id 'st-404'");
                })
                .hasMessageContaining("GET /api/studies/st-404/privacy answered 404: {\"error\":\"not found\"");

        var wrongToken = CoordinatorClient.connect(client.base(), "wrong");
        assertThatThrownBy(wrongToken::status)
                .isInstanceOfSatisfying(
                        CoordinatorException.class, e -> assertThat(e.status()).isEqualTo(401));
        assertThat(wrongToken.reachable(Duration.ofSeconds(2))).isFalse();
    }

    @Test
    void aCoordinatorThatIsNotThereIsUnreachable() {
        server.stop(0);
        assertThatThrownBy(() -> client.audit().verify()).isInstanceOfSatisfying(CoordinatorException.class, e -> {
            assertThat(e.failure()).isEqualTo(CoordinatorException.Failure.UNREACHABLE);
            assertThat(e.status()).isZero();
            assertThat(e.base()).isEqualTo(client.base());
        });
        assertThat(client.reachable(Duration.ofSeconds(2))).isFalse();
    }
}
