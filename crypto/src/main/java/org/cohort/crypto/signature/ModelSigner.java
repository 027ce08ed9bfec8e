package org.cohort.crypto.signature;

/**
 * Signs model versions with the coordinator's Ed25519 model-signing key, so that sites can check
 * that a model they download was published by their coordinator. Thread-safe.
 */
public interface ModelSigner {

    /** A 64-byte Ed25519 signature over {@code message} (typically a model version digest). */
    byte[] sign(byte[] message);

    /** The verifying key, X.509 SubjectPublicKeyInfo DER; feed it to {@link SignatureVerifier#ed25519}. */
    byte[] publicKey();
}
