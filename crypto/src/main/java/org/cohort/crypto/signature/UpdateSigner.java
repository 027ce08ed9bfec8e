package org.cohort.crypto.signature;

/**
 * Signs a site's model updates with the site's Ed25519 update-signing key, so that the
 * coordinator can attribute every upload to an enrolled site. Thread-safe.
 */
public interface UpdateSigner {

    /** A 64-byte Ed25519 signature over {@code message}. */
    byte[] sign(byte[] message);

    /** The verifying key, X.509 SubjectPublicKeyInfo DER; feed it to {@link SignatureVerifier#ed25519}. */
    byte[] publicKey();
}
