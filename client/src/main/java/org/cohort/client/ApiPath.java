package org.cohort.client;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * The coordinator's REST paths, built from segments: the one place that knows they start with
 * "/api", and that ids are encoded (a study id is the caller's input, and must not change which
 * endpoint is called).
 */
final class ApiPath {

    private ApiPath() {}

    /** e.g. {@code of("studies", id, "rounds")} is "/api/studies/st-1/rounds". */
    static String of(Object... segments) {
        StringBuilder sb = new StringBuilder("/api");
        for (Object s : segments) {
            sb.append('/').append(encode(String.valueOf(s)));
        }
        return sb.toString();
    }

    /** One path segment or query value, percent-encoded (a space as %20, which both accept). */
    static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
