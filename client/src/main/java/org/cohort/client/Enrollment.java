package org.cohort.client;

import java.time.Duration;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** Admitting a new site: the one-time token its agent enrolls with. */
public final class Enrollment {
    private final Rest rest;

    Enrollment(Rest rest) {
        this.rest = rest;
    }

    /**
     * A one-time enrollment token for {@code siteName}, valid for {@code ttl} (whole minutes):
     * the token, the CA fingerprint the agent pins, and the agent port.
     */
    public JsonNode token(String siteName, Duration ttl) {
        return rest.post(ApiPath.of("enrollment-tokens"), Map.of("siteName", siteName, "ttlMinutes", ttl.toMinutes()));
    }
}
