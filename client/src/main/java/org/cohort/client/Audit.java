package org.cohort.client;

import tools.jackson.databind.JsonNode;

/** The coordinator's hash-chained, signed audit log: verify it, export its head, read its entries. */
public final class Audit {
    private final Rest rest;

    Audit(Rest rest) {
        this.rest = rest;
    }

    /** The coordinator recomputes the chain and holds the privacy ledger against it. */
    public JsonNode verify() {
        return rest.get(ApiPath.of("audit", "verify"));
    }

    /** As {@link #verify()}, and the chain must still reach a head exported earlier ({@link #head()}). */
    public JsonNode verify(long expectSeq, String expectHash) {
        return rest.get(ApiPath.of("audit", "verify") + "?expectSeq=" + expectSeq + "&expectHash="
                + ApiPath.encode(expectHash));
    }

    /** The chain's head, signed by the coordinator, with the key to check it. */
    public JsonNode head() {
        return rest.get(ApiPath.of("audit", "head"));
    }

    /** Up to {@code limit} entries after sequence number {@code after}, oldest first, with the signing key. */
    public JsonNode entries(long after, int limit) {
        return rest.get(ApiPath.of("audit", "entries") + "?after=" + after + "&limit=" + limit);
    }
}
