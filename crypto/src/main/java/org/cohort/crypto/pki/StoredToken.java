package org.cohort.crypto.pki;

import java.time.Instant;
import java.util.Objects;

/**
 * What the coordinator keeps about an enrollment token: its public id, the SHA-256 of its secret
 * (never the secret), the site it is for, its expiry, and when it was used (null while unused).
 */
public record StoredToken(String tokenId, byte[] secretHash, String siteName, Instant expiresAt, Instant usedAt) {

    public StoredToken {
        Objects.requireNonNull(tokenId, "tokenId");
        Objects.requireNonNull(siteName, "siteName");
        Objects.requireNonNull(expiresAt, "expiresAt");
        secretHash = Objects.requireNonNull(secretHash, "secretHash").clone();
    }

    @Override
    public byte[] secretHash() {
        return secretHash.clone();
    }

    public boolean isUsed() {
        return usedAt != null;
    }

    public StoredToken markedUsed(Instant at) {
        return new StoredToken(tokenId, secretHash, siteName, expiresAt, at);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof StoredToken that
                && tokenId.equals(that.tokenId)
                && java.util.Arrays.equals(secretHash, that.secretHash)
                && siteName.equals(that.siteName)
                && expiresAt.equals(that.expiresAt)
                && Objects.equals(usedAt, that.usedAt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(tokenId, siteName, expiresAt, usedAt);
    }

    @Override
    public String toString() {
        return "StoredToken[" + tokenId + ", site " + siteName + ", expires " + expiresAt
                + (usedAt == null ? ", unused" : ", used " + usedAt) + "]";
    }
}
