package org.cohort.client;

import java.util.Map;
import tools.jackson.databind.JsonNode;

/** The enrolled sites: who they are, whether they are connected, and revoking one. */
public final class Sites {
    private final Rest rest;

    Sites(Rest rest) {
        this.rest = rest;
    }

    /** Every enrolled site, with its connection state and accepted studies. */
    public JsonNode list() {
        return rest.get(ApiPath.of("sites"));
    }

    /** Revokes a site's certificate and ends its session; the site as it now stands. */
    public JsonNode revoke(String siteId, String reason) {
        return rest.post(ApiPath.of("sites", siteId, "revoke"), Map.of("reason", reason));
    }
}
