package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The dashboard as a person sees it, in headless Chromium (Debian's {@code chromium}) driven over
 * the DevTools protocol: ε spent and budget left per site, labelled rounds with the reason a site
 * dropped out, and each role's actions going through the REST API's own authorisation (the
 * operator issues an enrollment token, compliance is refused with a visible message, the ML team
 * stops a study). Skips where Chromium is not installed.
 */
class DashboardBrowserIntegrationTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void aPersonSeesPrivacyAndRoundsAndEachRoleDoesItsJob(@TempDir Path dir) throws Exception {
        assumeTrue(
                Files.isExecutable(CHROMIUM),
                "no /usr/bin/chromium (apt-get install chromium): dashboard test skipped");
        try (var fed = new TestFederation(dir, 3)) {
            String studyId = fed.createStudy(2, 2, 120, PrivacyIntegrationTest.patientDp(100));
            fed.startAgents(studyId, 2);
            var strict = fed.startAgent(2, studyId, null, 0.05);
            JsonNode study = fed.startAndAwaitEnd(studyId, 3, Duration.ofMinutes(2));
            assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("COMPLETED");
            // A name that would run script if the page ever rendered data as HTML.
            String hostile = "<img src=x onerror=\"window.pwned=1\">Ward <b>7</b>";
            String waiting = fed.createStudy(1, 1, 60, Map.of("name", hostile));
            String[] charged = {fed.agents.get(0).siteId(), fed.agents.get(1).siteId()};

            try (var browser =
                    Browser.open(dir.resolve("chromium"), "http://127.0.0.1:" + fed.coordinator.restPort() + "/")) {
                browser.await("document.readyState === 'complete' && !!document.getElementById('token')");

                // Compliance reads: ε per site, rounds with labels and reasons.
                browser.signIn(fed.coordinator.roleToken("compliance-token"));
                browser.await("document.getElementById('sites').innerText.includes('budget left')");
                String sites = browser.text("sites");
                for (String site : charged) {
                    assertThat(rowOf(sites, site)).contains("ε spent", "of 100.00", "budget left");
                }
                assertThat(rowOf(sites, strict.siteId())).contains("none spent");

                browser.eval(
                        "document.querySelector('button[data-action=rounds][data-study=\"" + studyId + "\"]').click()");
                browser.await("document.getElementById('rounds').innerText.includes('Final evaluation')");
                String rounds = browser.text("rounds");
                assertThat(rounds).contains("Training round 1", "Training round 2", "Final evaluation", "COMPLETED");
                assertThat(rounds)
                        .contains(strict.siteId() + " dropped: REFUSED")
                        .contains("ceiling");
                browser.keep(Path.of("target", "dashboard-compliance"));
                String privacy = browser.text("privacy");
                for (String site : charged) {
                    assertThat(rowOf(privacy, site)).contains("patient");
                }
                assertThat(privacy).doesNotContain(strict.siteId());

                // Values are shown as text: the hostile name reads as typed and runs nothing.
                assertThat(browser.text("studies")).contains(hostile);
                assertThat(browser.eval("String(document.querySelectorAll('main img, main b').length)"))
                        .isEqualTo("0");
                assertThat(browser.eval("String(window.pwned)")).isEqualTo("undefined");

                // Compliance may not enroll a site: refused, and the page says so.
                browser.enroll("Dashboard Hospital");
                browser.await("document.getElementById('message').innerText.includes('Refused')");
                assertThat(browser.text("message"))
                        .contains("Refused: your token's role may not issue an enrollment token", "HTTP 403");
                assertThat(browser.eval("document.getElementById('enroll-result').hidden"))
                        .isEqualTo("true");

                // The operator may.
                String operator = fed.coordinator.roleToken("operator-token");
                browser.signIn(operator);
                browser.enroll("Dashboard Hospital");
                browser.await("document.getElementById('message').innerText.includes('issued')");
                assertThat(browser.text("message")).contains("Enrollment token issued for Dashboard Hospital");
                assertThat(browser.text("enroll-result")).contains("enrollment.token=", "coordinator.ca-fingerprint=");
                // ... and revokes a site (after confirming), which the sites table then shows.
                browser.eval("window.confirm = () => true; document.querySelector('button[data-site=\""
                        + strict.siteId() + "\"]').click(); true");
                browser.await("document.getElementById('message').innerText.includes('revoked')");
                assertThat(rowOf(browser.text("sites"), strict.siteId()))
                        .contains("revoked: revoked from the dashboard");
                // ... but may not stop a study.
                browser.eval(
                        "document.querySelector('button[data-action=stop][data-study=\"" + waiting + "\"]').click()");
                browser.await("document.getElementById('message').innerText.includes('Refused')");
                assertThat(browser.text("message")).contains("may not stop study " + waiting);
                assertThat(fed.api.studies().get(waiting).get("status").asString())
                        .isEqualTo("CREATED");

                // The ML team stops it.
                browser.signIn(fed.coordinator.roleToken("ml-token"));
                browser.await("!!document.querySelector('button[data-action=stop][data-study=\"" + waiting + "\"]')");
                browser.eval(
                        "document.querySelector('button[data-action=stop][data-study=\"" + waiting + "\"]').click()");
                browser.await("document.getElementById('message').innerText.includes('is now')");
                assertThat(browser.text("message")).contains("Study " + waiting + " is now STOPPED");
                assertThat(fed.api.studies().get(waiting).get("status").asString())
                        .isEqualTo("STOPPED");

                // The token lives in this tab's sessionStorage only: not in the URL, not in localStorage.
                assertThat(browser.eval("String(localStorage.length)")).isEqualTo("0");
                assertThat(browser.eval("location.href"))
                        .doesNotContain(operator)
                        .endsWith("/");
                assertThat(browser.eval("String(!!sessionStorage.getItem('cohort-token'))"))
                        .isEqualTo("true");
            }
        }
    }

    /** The table row (one line of innerText) naming {@code key}. */
    private static String rowOf(String tableText, String key) {
        StringBuilder row = new StringBuilder();
        boolean in = false;
        for (String line : tableText.split("\n")) {
            if (line.startsWith(key)) {
                in = true;
            } else if (in && line.matches("^site-\\d+.*")) {
                break;
            }
            if (in) {
                row.append(line).append('\n');
            }
        }
        assertThat(row).as("a row for " + key + " in:\n" + tableText).isNotEmpty();
        return row.toString();
    }

    /** Headless Chromium and a minimal DevTools-protocol client over java.net.http's WebSocket. */
    static final class Browser implements AutoCloseable {
        private final Process process;
        private final WebSocket socket;
        private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
        private final AtomicInteger ids = new AtomicInteger();

        private Browser(Process process, URI page) throws Exception {
            this.process = process;
            var listener = new WebSocket.Listener() {
                private final StringBuilder buffer = new StringBuilder();

                @Override
                public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                    buffer.append(data);
                    if (last) {
                        JsonNode message = JSON.readTree(buffer.toString());
                        buffer.setLength(0);
                        if (message.has("id")) {
                            var f = pending.remove(message.get("id").asInt());
                            if (f != null) {
                                f.complete(message);
                            }
                        }
                    }
                    ws.request(1);
                    return null;
                }
            };
            this.socket = HttpClient.newHttpClient()
                    .newWebSocketBuilder()
                    .buildAsync(page, listener)
                    .get(30, TimeUnit.SECONDS);
        }

        static Browser open(Path profile, String url) throws Exception {
            Files.createDirectories(profile);
            Process p = new ProcessBuilder(
                            CHROMIUM.toString(),
                            "--headless",
                            "--no-sandbox",
                            "--disable-gpu",
                            "--disable-quic",
                            "--no-first-run",
                            "--disable-background-networking",
                            "--disable-component-update",
                            "--disable-sync",
                            "--disable-dev-shm-usage",
                            "--window-size=1280,1400",
                            "--remote-debugging-port=0",
                            "--user-data-dir=" + profile,
                            url)
                    .redirectErrorStream(true)
                    .redirectOutput(profile.resolve("chromium.log").toFile())
                    .start();
            try {
                Path portFile = profile.resolve("DevToolsActivePort");
                Instant deadline = Instant.now().plusSeconds(60);
                while (!Files.exists(portFile) || Files.readAllLines(portFile).isEmpty()) {
                    if (Instant.now().isAfter(deadline) || !p.isAlive()) {
                        throw new AssertionError(
                                "Chromium did not start: " + Files.readString(profile.resolve("chromium.log")));
                    }
                    Thread.sleep(100);
                }
                int port = Integer.parseInt(Files.readAllLines(portFile).get(0).trim());
                var http = HttpClient.newHttpClient();
                URI page = null;
                while (page == null) {
                    var list = JSON.readTree(http.send(
                                    java.net.http.HttpRequest.newBuilder(
                                                    URI.create("http://127.0.0.1:" + port + "/json/list"))
                                            .build(),
                                    java.net.http.HttpResponse.BodyHandlers.ofString())
                            .body());
                    for (JsonNode target : list) {
                        if (target.get("type").asString().equals("page") && target.has("webSocketDebuggerUrl")) {
                            page = URI.create(target.get("webSocketDebuggerUrl").asString());
                        }
                    }
                    if (page == null) {
                        if (Instant.now().isAfter(deadline)) {
                            throw new AssertionError("no page target in Chromium: " + list);
                        }
                        Thread.sleep(100);
                    }
                }
                return new Browser(p, page);
            } catch (Exception | AssertionError e) {
                p.destroyForcibly();
                throw e;
            }
        }

        /** Keeps what the page shows, as text and as a screenshot, next to the test reports. */
        void keep(Path base) throws Exception {
            Files.createDirectories(base.toAbsolutePath().getParent());
            Files.writeString(Path.of(base + ".txt"), eval("document.body.innerText"));
            JsonNode shot =
                    call("Page.captureScreenshot", JSON.createObjectNode().put("format", "png"));
            Files.write(
                    Path.of(base + ".png"),
                    java.util.Base64.getDecoder()
                            .decode(shot.path("result").path("data").asString()));
        }

        private JsonNode call(String method, tools.jackson.databind.node.ObjectNode params) throws Exception {
            int id = ids.incrementAndGet();
            var f = new CompletableFuture<JsonNode>();
            pending.put(id, f);
            var msg = JSON.createObjectNode().put("id", id).put("method", method);
            msg.set("params", params);
            socket.sendText(JSON.writeValueAsString(msg), true).get(10, TimeUnit.SECONDS);
            return f.get(30, TimeUnit.SECONDS);
        }

        /** Evaluates {@code expression} in the page (promises awaited) and returns its value as a string. */
        String eval(String expression) throws Exception {
            JsonNode reply = call(
                    "Runtime.evaluate",
                    JSON.createObjectNode()
                            .put("expression", expression)
                            .put("awaitPromise", true)
                            .put("returnByValue", true));
            JsonNode result = reply.path("result");
            if (result.has("exceptionDetails")) {
                throw new AssertionError("page threw on " + expression + ": " + result.get("exceptionDetails"));
            }
            JsonNode value = result.path("result").path("value");
            return value.isMissingNode() || value.isNull()
                    ? ""
                    : value.isString() ? value.asString() : value.toString();
        }

        String text(String id) throws Exception {
            return eval("document.getElementById('" + id + "').innerText");
        }

        void await(String condition) throws Exception {
            Instant deadline = Instant.now().plusSeconds(30);
            while (!eval("String(!!(" + condition + "))").equals("true")) {
                if (Instant.now().isAfter(deadline)) {
                    throw new AssertionError(
                            "the page never showed " + condition + "; it shows:\n" + eval("document.body.innerText"));
                }
                Thread.sleep(100);
            }
        }

        /** Types the token as a person would and presses "Use token". */
        void signIn(String token) throws Exception {
            eval("document.getElementById('token').value = " + JSON.writeValueAsString(token)
                    + "; document.getElementById('signin-button').click(); true");
            await("document.getElementById('message').innerText.includes('Token set')");
        }

        void enroll(String siteName) throws Exception {
            eval("document.getElementById('enroll-name').value = " + JSON.writeValueAsString(siteName)
                    + "; document.getElementById('enroll-button').click(); true");
        }

        @Override
        public void close() throws Exception {
            try {
                socket.abort();
            } finally {
                process.destroy();
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
        }
    }
}
