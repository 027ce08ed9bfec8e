package org.cohort.simulation;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A small client of the coordinator's REST API, as the ML team's tools would use it. */
public final class CoordinatorClient {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final JsonMapper json = JsonMapper.builder().build();
    private final String base;
    private final String token;

    public CoordinatorClient(String baseUrl, String adminToken) {
        this.base = baseUrl;
        this.token = adminToken;
    }

    public JsonNode get(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    public JsonNode post(String path, Object body) {
        String payload = body == null ? "" : body instanceof String s ? s : json.writeValueAsString(body);
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(payload)));
    }

    public void download(String path, Path target) {
        try {
            var response = http.send(HttpRequest.newBuilder(URI.create(base + path))
                    .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofFile(target));
            if (response.statusCode() != 200) {
                throw new IllegalStateException("GET " + path + " answered " + response.statusCode());
            }
        } catch (IOException e) {
            throw new IllegalStateException("GET " + path + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** GET returning the raw body (e.g. a model configuration). */
    public String getText(String path) {
        try {
            var response = http.send(HttpRequest.newBuilder(URI.create(base + path))
                    .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("GET " + path + " answered " + response.statusCode() + ": " + response.body());
            }
            return response.body();
        } catch (IOException e) {
            throw new IllegalStateException("GET " + path + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Waits until a coordinator started on {@code dataDir} answers on {@code restPort} with its
     * admin token, printing a dot a second; gives up after {@code timeout}, or as soon as
     * {@code alive} says the process has died.
     */
    public static CoordinatorClient awaitStarted(Path dataDir, int restPort, Duration timeout,
                                                 java.util.function.BooleanSupplier alive, Path log)
            throws InterruptedException, IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && alive.getAsBoolean()) {
            Path tokenFile = dataDir.resolve("admin-token");
            if (java.nio.file.Files.exists(tokenFile)) {
                var client = new CoordinatorClient("http://127.0.0.1:" + restPort,
                        java.nio.file.Files.readString(tokenFile).strip());
                if (client.reachable()) {
                    return client;
                }
            }
            System.out.print(".");
            System.out.flush();
            Thread.sleep(1000);
        }
        throw new IllegalStateException("the coordinator did not come up within " + timeout.toSeconds() + " s; see "
                + log);
    }

    public boolean reachable() {
        try {
            var r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/status"))
                    .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(2)).GET().build(),
                    HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private JsonNode send(HttpRequest.Builder request) {
        try {
            var response = http.send(request.header("Authorization", "Bearer " + token)
                    .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                throw new IllegalStateException(request.build().method() + " " + request.build().uri().getPath()
                        + " answered " + response.statusCode() + ": " + response.body());
            }
            return response.body().isEmpty() ? json.createObjectNode() : json.readTree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException("coordinator REST call failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public JsonMapper json() {
        return json;
    }
}
