package org.cohort.coordinator.pki;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** The bearer token that guards the REST API for the ML team and compliance. */
public final class AdminToken {
    private final byte[] token;

    /** Fewer characters than this is no secret (a generated token has 43). */
    public static final int MIN_LENGTH = 16;

    public AdminToken(String token) {
        if (token == null || token.strip().length() < MIN_LENGTH) {
            // An empty token would match an empty Authorization header: refuse to start instead.
            throw new IllegalStateException("an API token must have at least " + MIN_LENGTH + " characters; got "
                    + (token == null ? "none" : token.strip().length())
                    + " (an empty or truncated token file? delete it"
                    + " and restart to generate a new one)");
        }
        this.token = token.getBytes(StandardCharsets.UTF_8);
    }

    /** Constant-time check of a presented token. */
    public boolean matches(String presented) {
        return presented != null && MessageDigest.isEqual(token, presented.getBytes(StandardCharsets.UTF_8));
    }
}
