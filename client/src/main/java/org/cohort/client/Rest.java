package org.cohort.client;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The HTTP underneath every call: the admin token on each request, JSON in and out, and every
 * failure as a {@link CoordinatorException}. Package-private: callers see only typed calls.
 */
final class Rest {
    private final URI base;
    private final String token;
    private final Timeouts timeouts;
    private final HttpClient http;
    private final JsonMapper json;

    Rest(URI base, String token, Timeouts timeouts, JsonMapper json) {
        this.base = base;
        this.token = token;
        this.timeouts = timeouts;
        this.json = json;
        // The coordinator never redirects; following one could send the admin token elsewhere.
        this.http = HttpClient.newBuilder()
                .connectTimeout(timeouts.connect())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    URI base() {
        return base;
    }

    JsonMapper json() {
        return json;
    }

    /** GET as JSON. */
    JsonNode get(String path) {
        return tree(send(
                "GET", path, request(path).header("Accept", "application/json").GET()));
    }

    /** GET as text, e.g. an HTML page or a JSON document to be kept byte for byte. */
    String getText(String path, String accept) {
        return send("GET", path, request(path).header("Accept", accept).GET());
    }

    /** POST {@code body} as JSON (none when null); the answer as JSON (an empty object when empty). */
    JsonNode post(String path, Object body) {
        String payload = body == null ? "" : json.writeValueAsString(body);
        return tree(send(
                "POST",
                path,
                request(path)
                        .header("Content-Type", "application/json")
                        .header("Accept", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(payload))));
    }

    /** GET into {@code target}: model parameters can be large, so they go to disk, not to memory. */
    void download(String path, Path target) {
        HttpResponse<Path> response = exchange(
                "GET", path, request(path).GET().timeout(timeouts.request()), HttpResponse.BodyHandlers.ofFile(target));
        if (response.statusCode() / 100 != 2) {
            String body = readQuietly(target);
            throw CoordinatorException.refused(base, "GET", path, response.statusCode(), body, serverMessage(body));
        }
    }

    /** Whether GET {@code path} answers 200 within {@code timeout}; false on any failure. */
    boolean answers(String path, Duration timeout) {
        try {
            return exchange("GET", path, request(path).GET().timeout(timeout), HttpResponse.BodyHandlers.discarding())
                            .statusCode()
                    == 200;
        } catch (CoordinatorException e) {
            return false;
        }
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + token);
    }

    private String send(String method, String path, HttpRequest.Builder request) {
        HttpResponse<String> response = exchange(
                method,
                path,
                request.timeout(timeouts.request()),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (response.statusCode() / 100 != 2) {
            throw CoordinatorException.refused(
                    base, method, path, response.statusCode(), response.body(), serverMessage(response.body()));
        }
        return response.body();
    }

    private <T> HttpResponse<T> exchange(
            String method, String path, HttpRequest.Builder request, HttpResponse.BodyHandler<T> handler) {
        try {
            return http.send(request.build(), handler);
        } catch (HttpConnectTimeoutException | ConnectException e) {
            throw CoordinatorException.unanswered(base, method, path, CoordinatorException.Failure.UNREACHABLE, e);
        } catch (HttpTimeoutException e) {
            throw CoordinatorException.unanswered(base, method, path, CoordinatorException.Failure.TIMED_OUT, e);
        } catch (IOException e) {
            throw CoordinatorException.unanswered(base, method, path, CoordinatorException.Failure.BROKEN, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CoordinatorException.unanswered(base, method, path, CoordinatorException.Failure.INTERRUPTED, e);
        }
    }

    private JsonNode tree(String body) {
        return body.isEmpty() ? json.createObjectNode() : json.readTree(body);
    }

    /** The coordinator's error bodies carry a "message" saying what to do; anything else is shown as it is. */
    private String serverMessage(String body) {
        if (body == null || body.isBlank()) {
            return "";
        }
        try {
            JsonNode m = json.readTree(body).path("message");
            return m.isString() ? m.asString() : body.strip();
        } catch (RuntimeException e) {
            return body.length() > 300 ? body.substring(0, 300) + "…" : body.strip();
        }
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
