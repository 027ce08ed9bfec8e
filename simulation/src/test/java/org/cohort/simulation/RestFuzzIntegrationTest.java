package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Generated HTTP requests against a live coordinator, fixed seed and count so a failure replays:
 * paths built from the API's own words mixed with separators, encodings and junk; every method;
 * missing, wrong, malformed and (sometimes) valid credentials; JSON, truncated JSON and binary
 * bodies. No answer may be a 5xx, and none may succeed without the admin token except the
 * public dashboard page.
 */
class RestFuzzIntegrationTest {
    private static final long SEED = 20261202L;
    private static final int ITERATIONS = 1_500;
    private static final String[] WORDS = {
        "api",
        "studies",
        "sites",
        "audit",
        "entries",
        "verify",
        "privacy",
        "epsilon",
        "enrollment-tokens",
        "revoke",
        "start",
        "stop",
        "rounds",
        "models",
        "model-config",
        "parameters",
        "privacy-report",
        "privacy-report.html",
        "status",
        "index.html",
        "error",
        "1",
        "-1",
        "0",
        "9999999999999",
        "..",
        ".",
        "%2e",
        "%2e%2e",
        "%2F",
        "%2f",
        "%61pi",
        "%5C",
        "%25",
        "%00",
        "%ZZ",
        "%",
        ";",
        ";x",
        "~",
        "*",
        "%C3%BC",
        "API",
        "Api",
        "actuator",
        "h2-console",
        "WEB-INF",
        "META-INF"
    };
    private static final String[] METHODS = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "FOO"
    };
    private static final String[] QUERIES = {
        "",
        "?q=0.1&sigma=1&steps=10&delta=1e-5",
        "?q=NaN&sigma=-1&steps=1e99",
        "?x=%00",
        "?accountant=pld&q=1&sigma=0.01&steps=1000000000&delta=1e-300",
        "?version=1&version=2",
        "?%"
    };
    private static final String[] BODIES = {
        null,
        "",
        "{}",
        "{\"siteName\":\"rogue\"}",
        "{\"siteName\":",
        "{\"name\":\"<script>alert(1)</script>\",\"rounds\":1e309}",
        "[1,2,3]",
        "null",
        "\u0000\u0001\u0002",
        "{\"reason\":\"" + "x".repeat(10_000) + "\"}"
    };

    @Test
    void generatedRequestsGetNoServerErrorAndNoSuccessWithoutTheAdminToken(@TempDir Path dir) throws Exception {
        try (var fed = new TestFederation(dir, 1)) {
            String studyId = fed.createStudy(1, 1, 60);
            String token = fed.coordinator.adminToken();
            var http = new RawHttp(fed.coordinator.restPort());
            var random = new SplittableRandom(SEED);
            var failures = new ArrayList<String>();
            int auditBefore = fed.api.audit().entries(0, 200).get("entries").size();
            int withoutToken = 0;
            int adminWrites = 0;
            for (int i = 0; i < ITERATIONS; i++) {
                String method = pick(random, METHODS);
                String target = path(random, studyId) + pick(random, QUERIES);
                int credential = random.nextInt(10);
                boolean admin = credential == 0;
                String auth = switch (credential) {
                    case 0 -> "Bearer " + token;
                    case 1 -> "Bearer " + token.substring(1);
                    case 2 -> "Bearer";
                    case 3 -> "Basic " + token;
                    case 4 -> "Bearer " + token + " " + token;
                    default -> null;
                };
                String body = pick(random, BODIES);
                int status = send(http, method, target, auth, body);
                if (status >= 500 || status == -1) {
                    failures.add("#" + i + " " + method + " " + target + " [" + auth + "] -> " + status);
                }
                if (admin && status >= 200 && status < 300 && !method.equals("GET") && !method.equals("HEAD")) {
                    adminWrites++;
                }
                if (!admin) {
                    withoutToken++;
                    if (status >= 200 && status < 400 && !isDashboard(method, target)) {
                        failures.add("#" + i + " " + method + " " + target + " without the token -> " + status);
                    }
                }
            }
            assertThat(failures)
                    .as("seed %d, %d requests (%d without the admin token)", SEED, ITERATIONS, withoutToken)
                    .isEmpty();
            assertThat(withoutToken).isGreaterThan(ITERATIONS / 2);
            // The coordinator still serves, and nothing the fuzzer sent without the token left a trace.
            assertThat(fed.api.studies().get(studyId).get("status").asString()).isNotEmpty();
            int audited = fed.api.audit().entries(0, 200).get("entries").size() - auditBefore;
            assertThat(audited)
                    .as("audit entries added: at most one per successful write with the token")
                    .isLessThanOrEqualTo(adminWrites);
        }
    }

    private static int send(RawHttp http, String method, String target, String auth, String body) {
        if (body != null && body.indexOf('\u0000') >= 0) {
            byte[] payload = body.getBytes(StandardCharsets.UTF_8);
            String head = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                    + (auth == null ? "" : "Authorization: " + auth + "\r\n")
                    + "Content-Type: application/octet-stream\r\nContent-Length: " + payload.length + "\r\n\r\n";
            return http.status(head.getBytes(StandardCharsets.ISO_8859_1), payload);
        }
        return http.status(method, target, auth, body);
    }

    private static String path(SplittableRandom random, String studyId) {
        var segments = new ArrayList<String>();
        if (random.nextInt(4) != 0) {
            segments.add("api");
        }
        int n = 1 + random.nextInt(5);
        for (int s = 0; s < n; s++) {
            segments.add(random.nextInt(6) == 0 ? studyId : pick(random, WORDS));
        }
        String separator = random.nextInt(8) == 0 ? pick(random, new String[] {"//", "/./", "/%2F", ";/", "\\"}) : "/";
        String path = "/" + String.join(separator, segments);
        return random.nextInt(10) == 0 ? path + "/" : path;
    }

    /** The public page, under the spellings Spring Security's firewall lets through. */
    private static boolean isDashboard(String method, String target) {
        String path = target.contains("?") ? target.substring(0, target.indexOf('?')) : target;
        return (method.equals("GET") || method.equals("HEAD"))
                && List.of("/", "/index.html").contains(path);
    }

    private static <T> T pick(SplittableRandom random, T[] values) {
        return values[random.nextInt(values.length)];
    }
}
