package org.cohort.crypto.signature;

import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.cohort.crypto.internal.Ed25519;

/**
 * Checks Ed25519 signatures made by a {@link ModelSigner} or {@link UpdateSigner}. Immutable and
 * thread-safe; build one per key and keep it.
 */
public final class SignatureVerifier {

    private final Ed25519PublicKeyParameters publicKey;

    private SignatureVerifier(Ed25519PublicKeyParameters publicKey) {
        this.publicKey = publicKey;
    }

    /**
     * A verifier for an Ed25519 key in X.509 SubjectPublicKeyInfo DER, the form signers publish.
     *
     * @throws IllegalArgumentException if the bytes are not an Ed25519 SubjectPublicKeyInfo
     */
    public static SignatureVerifier ed25519(byte[] spkiDer) {
        return new SignatureVerifier(Ed25519.publicKeyFromSpki(spkiDer));
    }

    /**
     * A verifier for a raw 32-byte RFC 8032 public key (as in the RFC's test vectors).
     *
     * @throws IllegalArgumentException if the key is not 32 bytes or not a curve point
     */
    public static SignatureVerifier ed25519Raw(byte[] rawPublicKey) {
        return new SignatureVerifier(Ed25519.publicKeyFromRaw(rawPublicKey));
    }

    /** True only if {@code signature} is valid for {@code message}; never throws on bad input. */
    public boolean verify(byte[] message, byte[] signature) {
        return Ed25519.verify(publicKey, message, signature);
    }
}
