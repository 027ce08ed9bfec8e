package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/**
 * Every REST endpoint the coordinator maps, reached through every path spelling a servlet
 * container or Spring MVC might resolve to it and with every HTTP method: without the admin
 * token nothing succeeds and nothing changes, and non-canonical spellings are refused outright.
 */
class RestLockdownIntegrationTest {
    private static final List<String> METHODS =
            List.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE");
    /** What an outsider, or a hospital holding only its enrollment token, might send. */
    private static final List<String> NOT_ADMIN =
            List.of("", "Bearer ", "Bearer wrong-token", "Basic YWRtaW46YWRtaW4=");

    private static final List<String> NONE_OR_WRONG = List.of("", "Bearer wrong-token");

    @TempDir
    static Path dir;

    static TestFederation fed;
    static RawHttp http;
    static String studyId;
    static String adminToken;

    @BeforeAll
    static void start() throws Exception {
        fed = new TestFederation(dir, 1);
        studyId = fed.createStudy(1, 1, 60);
        adminToken = fed.coordinator.adminToken();
        http = new RawHttp(fed.coordinator.restPort());
    }

    @AfterAll
    static void stop() {
        fed.close();
    }

    /** Every mapped path, its variables filled in: the test grows with the controllers. */
    static List<String> endpoints() {
        Set<String> paths = new LinkedHashSet<>();
        // Spring MVC's controllers and the actuator's and springdoc's: every mapping there is.
        for (var mapping :
                fed.coordinator.beans(RequestMappingHandlerMapping.class).values()) {
            mapping.getHandlerMethods()
                    .keySet()
                    .forEach(info -> info.getPatternValues()
                            .forEach(pattern -> paths.add(pattern.replace("{studyId}", studyId)
                                    .replace("{siteId}", "site-0001")
                                    .replace("{version}", "1"))));
        }
        assertThat(paths)
                .as("the controllers this test covers")
                .contains(
                        "/api/studies",
                        "/api/enrollment-tokens",
                        "/api/audit/entries",
                        "/api/studies/" + studyId + "/models/1/parameters");
        assertThat(paths).allSatisfy(p -> assertThat(p).doesNotContain("{"));
        return List.copyOf(paths);
    }

    /** The spellings of one path that a container or MVC might map to the same handler. */
    static List<String> spellings(String path) {
        int second = path.indexOf('/', 1);
        String head = second < 0 ? path : path.substring(0, second);
        String tail = second < 0 ? "" : path.substring(second);
        var out = new ArrayList<String>();
        out.add(path);
        out.add(head + ";x" + tail);
        out.add(head + ";" + tail);
        out.add(path + ";jsessionid=0");
        out.add("/%" + Integer.toHexString(path.charAt(1)) + path.substring(2));
        out.add("/" + path.substring(1, 2).toUpperCase() + path.substring(2));
        out.add(path.toUpperCase());
        if (second > 0) {
            out.add(head + "%2F" + tail.substring(1));
            out.add(head + "%2f" + tail.substring(1));
            out.add(head + "//" + tail.substring(1));
            out.add(head + "/./" + tail.substring(1));
            out.add(head + "/%2e/" + tail.substring(1));
            out.add(head + "/x/../" + tail.substring(1));
            out.add(head + "/x/%2e%2e/" + tail.substring(1));
            out.add(head + "%5C" + tail.substring(1));
        }
        out.add("/" + path);
        out.add("/./" + path.substring(1));
        out.add("/x/.." + path);
        out.add(path + "/");
        out.add(path + "?x=1");
        out.add("http://127.0.0.1" + path);
        return out;
    }

    @Test
    void noEndpointAnswersWithoutTheAdminTokenWhateverTheSpellingOrMethod() {
        int auditBefore = fed.api.audit().entries(0, 200).get("entries").size();
        int sitesBefore = fed.api.sites().list().size();
        var failures = new ArrayList<String>();
        int requests = 0;
        for (String path : endpoints()) {
            for (String target : spellings(path)) {
                for (String method : METHODS) {
                    // Every credential on the canonical path; none or a wrong one on the other spellings.
                    for (String auth : target.equals(path) ? NOT_ADMIN : NONE_OR_WRONG) {
                        String body = method.equals("POST") || method.equals("PUT") || method.equals("PATCH")
                                ? "{\"siteName\":\"rogue\",\"reason\":\"x\"}"
                                : null;
                        int status = http.status(method, target, auth.isEmpty() ? null : auth, body);
                        requests++;
                        if (status < 400 || status >= 500) {
                            failures.add(method + " " + target + " [" + auth + "] -> " + status);
                        }
                    }
                }
            }
        }
        assertThat(failures)
                .as("answers other than a 4xx refusal, out of %d requests", requests)
                .isEmpty();
        // Nothing happened: no token issued, no site revoked, no study changed, nothing audited.
        assertThat(fed.api.audit().entries(0, 200).get("entries").size()).isEqualTo(auditBefore);
        assertThat(fed.api.sites().list().size()).isEqualTo(sitesBefore);
        assertThat(fed.api.studies().get(studyId).get("status").asString()).isEqualTo("CREATED");
    }

    @Test
    void nonCanonicalSpellingsAreRefusedEvenWithTheAdminToken() {
        String bearer = "Bearer " + adminToken;
        String studies = "/api/studies";
        for (String target : List.of(
                "/api;x/studies",
                "/api;/studies",
                "/api/studies;jsessionid=0",
                "/api%2Fstudies",
                "/api//studies",
                "/api/./studies",
                "/api/x/../studies",
                "/api/%2e/studies",
                "/api%5Cstudies")) {
            assertThat(http.status("GET", target, bearer, null)).as(target).isEqualTo(400);
        }
        assertThat(http.status("GET", studies, bearer, null)).isEqualTo(200);
        // Outside /api nothing is served but the dashboard page, credential or not.
        assertThat(http.status("GET", "/error", bearer, null)).isEqualTo(403);
        assertThat(http.status("GET", "/", null, null)).isEqualTo(200);
        assertThat(http.status("GET", "/index.html", null, null)).isEqualTo(200);
    }

    @Test
    void aPrivacyQueryTooLargeToComputeIsRefusedAtOnceNotRunOutOfMemory() {
        String bearer = "Bearer " + adminToken;
        assertThat(http.status(
                        "GET",
                        "/api/privacy/epsilon?q=1&sigma=1&steps=1000000&delta=1e-12&accountant=pld",
                        bearer,
                        null))
                .isEqualTo(400);
        assertThat(fed.api
                        .privacy()
                        .epsilon(1, 1, 1_000_000, 1e-12, "rdp")
                        .get("epsilon")
                        .asDouble())
                .isPositive();
    }

    @Test
    void aLargeBodyIsRefusedUnreadWithoutTheTokenAndAs413WithIt() {
        for (var auth : new String[] {null, "Bearer " + adminToken}) {
            String head = "POST /api/studies HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                    + (auth == null ? "" : "Authorization: " + auth + "\r\n")
                    + "Content-Type: application/json\r\nContent-Length: 31457280\r\n\r\n";
            // No body is sent: a refusal must come from the headers alone.
            int status = http.status(head.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), new byte[0]);
            assertThat(status)
                    .as(auth == null ? "without the token" : "with the token")
                    .isEqualTo(auth == null ? 401 : 413);
        }
    }

    @Test
    void aWrongTokenIsRefusedWithAMessageThatSaysWhatToSend() {
        assertThat(http.status("GET", "/api/studies", "Bearer " + adminToken + "x", null))
                .isEqualTo(401);
        assertThat(http.status("GET", "/api/studies", "bearer " + adminToken, null))
                .isEqualTo(200);
        assertThat(http.status("GET", "/api/studies", "Token " + adminToken, null))
                .isEqualTo(401);
    }
}
