package org.cohort.coordinator.pki;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** The bearer token that guards the REST API for the ML team and compliance. */
public final class AdminToken {
    private final byte[] token;

    public AdminToken(String token) {
        this.token = token.getBytes(StandardCharsets.UTF_8);
    }

    /** Constant-time check of a presented token. */
    public boolean matches(String presented) {
        return presented != null && MessageDigest.isEqual(token, presented.getBytes(StandardCharsets.UTF_8));
    }
}
