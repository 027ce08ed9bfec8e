package org.cohort.client;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
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
        return token(siteName, ttl, List.of());
    }

    /**
     * The same, with the agent addresses its join code names ({@code host:port}, one per replica);
     * empty for the coordinator's default (its first public host name and agent port).
     */
    public JsonNode token(String siteName, Duration ttl, List<String> agentAddresses) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("siteName", siteName);
        body.put("ttlMinutes", ttl.toMinutes());
        if (!agentAddresses.isEmpty()) {
            body.put("agentAddresses", List.copyOf(agentAddresses));
        }
        return rest.post(ApiPath.of("enrollment-tokens"), body);
    }
}
