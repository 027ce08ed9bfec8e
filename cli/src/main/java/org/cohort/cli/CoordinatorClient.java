package org.cohort.cli;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The coordinator's REST API as the CLI uses it: GETs with the admin token, and failures turned
 * into messages that say what to do (start the coordinator, fix the token, check the study id).
 */
final class CoordinatorClient {
    /** Options every remote command takes. */
    static final Set<String> OPTIONS = Set.of("coordinator", "token-file");
    static final String DEFAULT_URL = "http://127.0.0.1:8080";
    /** A PLD report of a long study can take a while to compute. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(5);

    private final URI base;
    private final String token;
    private final HttpClient http;
    private final JsonMapper json;

    CoordinatorClient(URI base, String token, HttpClient http, JsonMapper json) {
        this.base = base;
        this.token = token;
        this.http = http;
        this.json = json;
    }

    /**
     * From --coordinator (else $COHORT_COORDINATOR, else http://127.0.0.1:8080) and --token-file
     * (else $COHORT_TOKEN, else $COHORT_DATA_DIR/admin-token or ./cohort-data/admin-token).
     */
    static CoordinatorClient from(Args args, Map<String, String> env, JsonMapper json) {
        String url = args.string("coordinator", env.getOrDefault("COHORT_COORDINATOR", DEFAULT_URL)).strip();
        URI base;
        try {
            base = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
            if (base.getScheme() == null || !(base.getScheme().equals("http") || base.getScheme().equals("https"))
                    || base.getHost() == null) {
                throw new IllegalArgumentException("not an http(s) URL");
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException("--coordinator must be the coordinator's REST address, e.g. " + DEFAULT_URL
                    + "; got '" + url + "'");
        }
        return new CoordinatorClient(base, token(args, env), HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NEVER).build(), json);
    }

    private static String token(Args args, Map<String, String> env) {
        if (args.has("token-file")) {
            return readToken(Path.of(args.string("token-file", null)), "--token-file");
        }
        String t = env.get("COHORT_TOKEN");
        if (t != null && !t.isBlank()) {
            return t.strip();
        }
        Path dataDir = Path.of(env.getOrDefault("COHORT_DATA_DIR", "cohort-data"));
        Path file = dataDir.resolve("admin-token");
        if (Files.isReadable(file)) {
            return readToken(file, "the admin token file");
        }
        throw new UsageException("no admin token: pass --token-file PATH (the coordinator writes it to"
                + " <data-dir>/admin-token) or set COHORT_TOKEN");
    }

    private static String readToken(Path file, String what) {
        try {
            String t = Files.readString(file).strip();
            if (t.isEmpty()) {
                throw new UsageException(what + " " + file + " is empty; it should hold the coordinator's admin token");
            }
            return t;
        } catch (NoSuchFileException e) {
            throw new UsageException(what + " " + file + " does not exist; the coordinator writes the token to"
                    + " <data-dir>/admin-token");
        } catch (IOException e) {
            throw new CommandFailed("cannot read " + what + " " + file + ": " + e.getMessage());
        }
    }

    URI base() {
        return base;
    }

    /** GET {@code path} as JSON. */
    JsonNode getJson(String path) {
        return json.readTree(get(path, "application/json"));
    }

    /** GET {@code path}; the body as text. */
    String get(String path, String accept) {
        URI uri = URI.create(base + path);
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT)
                .header("Authorization", "Bearer " + token).header("Accept", accept).GET().build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (HttpConnectTimeoutException | ConnectException e) {
            throw new CommandFailed("cannot reach the coordinator at " + base + " (" + describe(e) + "). Is it running?"
                    + " Pass --coordinator URL or set COHORT_COORDINATOR to its REST address.", e);
        } catch (HttpTimeoutException e) {
            throw new CommandFailed("the coordinator at " + base + " did not answer " + path + " within "
                    + REQUEST_TIMEOUT.toMinutes() + " minutes; try again, or check its log", e);
        } catch (IOException e) {
            throw new CommandFailed("talking to the coordinator at " + base + " failed: " + describe(e)
                    + ". Check --coordinator (is it http or https?)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandFailed("interrupted");
        }
        int status = response.statusCode();
        if (status == 200) {
            return response.body();
        }
        String message = serverMessage(response.body());
        throw switch (status) {
            case 401 -> new CommandFailed("the coordinator refused the admin token (401). Use the token in"
                    + " <data-dir>/admin-token: --token-file PATH or COHORT_TOKEN.");
            case 404 -> new CommandFailed("not found (404): " + (message.isEmpty() ? path + " does not exist on " + base
                    + "; is this a Cohort coordinator of the same version?" : message));
            case 400 -> new CommandFailed("the coordinator rejected the request (400): " + message);
            default -> new CommandFailed("the coordinator answered " + status + " for " + path
                    + (message.isEmpty() ? "" : ": " + message) + "; see the coordinator's log");
        };
    }

    static String encode(String pathSegment) {
        return URLEncoder.encode(pathSegment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private String serverMessage(String body) {
        if (body == null || body.isBlank()) {
            return "";
        }
        try {
            JsonNode node = json.readTree(body);
            JsonNode m = node.path("message");
            return m.isString() ? m.asString() : body.strip();
        } catch (RuntimeException e) {
            return body.length() > 300 ? body.substring(0, 300) + "…" : body.strip();
        }
    }

    private static String describe(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
