package org.cohort.crypto.pki;

import java.util.Objects;

/**
 * What a token's one enrollment produced, kept with the token so that the same request sent again (its
 * answer lost to a deadline on a loaded coordinator) gets the same answer instead of "already used".
 *
 * @param siteId the site the enrollment created
 * @param requestDigest SHA-256 over the request's keys (the certificate request's public key, then the
 *     update-signing key): only a request for the very same keys is the same request
 * @param certificate the issued certificate, DER
 */
public record RedeemedEnrollment(String siteId, byte[] requestDigest, byte[] certificate) {
    public RedeemedEnrollment {
        Objects.requireNonNull(siteId, "siteId");
        requestDigest = Objects.requireNonNull(requestDigest, "requestDigest").clone();
        certificate = Objects.requireNonNull(certificate, "certificate").clone();
        if (requestDigest.length != 32) {
            throw new IllegalArgumentException("a request digest is SHA-256, 32 bytes, got " + requestDigest.length);
        }
    }

    /**
     * The digest of a request's keys: SHA-256 over the length of the certificate request's public key
     * (SubjectPublicKeyInfo DER, 4 bytes big-endian), that key, then the update-signing key.
     */
    public static byte[] requestDigest(CheckedCertificateRequest request, byte[] updateSigningKey) {
        byte[] key;
        try {
            key = request.subjectKey().getEncoded();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("a checked request's public key always encodes", e);
        }
        byte[] all = java.nio.ByteBuffer.allocate(4 + key.length + updateSigningKey.length)
                .putInt(key.length)
                .put(key)
                .put(updateSigningKey)
                .array();
        return org.cohort.crypto.internal.Algorithms.sha256(all);
    }

    @Override
    public byte[] requestDigest() {
        return requestDigest.clone();
    }

    @Override
    public byte[] certificate() {
        return certificate.clone();
    }
}
