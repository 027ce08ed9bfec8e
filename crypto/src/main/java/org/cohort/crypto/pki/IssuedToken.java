package org.cohort.crypto.pki;

import java.time.Instant;

/**
 * A freshly issued enrollment token. {@code token} is the secret the admin hands to the site
 * (shown once, never stored); {@code tokenId} is safe to log and list.
 */
public record IssuedToken(String tokenId, String token, Instant expiresAt) {

    @Override
    public String toString() {
        return "IssuedToken[" + tokenId + ", expires " + expiresAt + "]";
    }
}
