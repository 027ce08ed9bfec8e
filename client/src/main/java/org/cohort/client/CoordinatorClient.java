package org.cohort.client;

import java.net.URI;
import java.time.Duration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The coordinator's REST API, typed: {@code client.studies().start(id)},
 * {@code client.sites().list()}, {@code client.audit().verify()}. Every call carries the admin
 * token; every failure is a {@link CoordinatorException}. Thread-safe.
 */
public final class CoordinatorClient {
    private final Rest rest;
    private final Studies studies;
    private final Sites sites;
    private final Audit audit;
    private final Enrollment enrollment;
    private final Privacy privacy;

    private CoordinatorClient(Rest rest) {
        this.rest = rest;
        this.studies = new Studies(rest);
        this.sites = new Sites(rest);
        this.audit = new Audit(rest);
        this.enrollment = new Enrollment(rest);
        this.privacy = new Privacy(rest);
    }

    /** A client of the coordinator at {@code base} (e.g. http://127.0.0.1:8080), with {@link Timeouts#DEFAULT}. */
    public static CoordinatorClient connect(URI base, String adminToken) {
        return connect(base, adminToken, Timeouts.DEFAULT);
    }

    public static CoordinatorClient connect(URI base, String adminToken, Timeouts timeouts) {
        return connect(base, adminToken, timeouts, JsonMapper.builder().build());
    }

    /** As above, reading and writing JSON with {@code json}. */
    public static CoordinatorClient connect(URI base, String adminToken, Timeouts timeouts, JsonMapper json) {
        String b = base.toString();
        URI trimmed = URI.create(b.endsWith("/") ? b.substring(0, b.length() - 1) : b);
        return new CoordinatorClient(new Rest(trimmed, adminToken, timeouts, json));
    }

    public Studies studies() {
        return studies;
    }

    public Sites sites() {
        return sites;
    }

    public Audit audit() {
        return audit;
    }

    public Enrollment enrollment() {
        return enrollment;
    }

    public Privacy privacy() {
        return privacy;
    }

    /** This replica's view: connected sites (cluster-wide and here), quorum, whether it drives rounds, CA fingerprint. */
    public JsonNode status() {
        return rest.get(ApiPath.of("status"));
    }

    /** Whether the coordinator answers with this token within {@code timeout}; never throws. */
    public boolean reachable(Duration timeout) {
        return rest.answers(ApiPath.of("status"), timeout);
    }

    /** The coordinator's address. */
    public URI base() {
        return rest.base();
    }

    /** The mapper answers are read with, to build request bodies or print answers alike. */
    public JsonMapper json() {
        return rest.json();
    }
}
