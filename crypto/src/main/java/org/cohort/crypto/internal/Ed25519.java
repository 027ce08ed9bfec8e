package org.cohort.crypto.internal;

import java.io.IOException;
import java.security.KeyPair;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.cohort.crypto.signature.ModelSigner;
import org.cohort.crypto.signature.UpdateSigner;

/**
 * Ed25519 (RFC 8032, pure, no context) computed by Bouncy Castle's lightweight API.
 *
 * <p>Why Bouncy Castle rather than the JDK's SunEC: the same code path on every JDK (including
 * FIPS-configured ones that drop EdDSA), raw 32-byte keys without encoding tricks, and
 * verification that simply answers false on any malformed signature. Keys still live as JCA
 * {@code PrivateKey}/{@code PublicKey} objects so that PKCS12 keystores can hold them; they are
 * converted through their standard PKCS#8 / SubjectPublicKeyInfo encodings.
 */
public final class Ed25519 {

    public static final int PUBLIC_KEY_BYTES = Ed25519PublicKeyParameters.KEY_SIZE;

    private Ed25519() {}

    /** A signer over a JCA Ed25519 key pair; usable both as a model and an update signer. */
    public static SigningKey signingKey(KeyPair keyPair) {
        AsymmetricKeyParameter parameters;
        try {
            parameters = PrivateKeyFactory.createKey(keyPair.getPrivate().getEncoded());
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(
                    "Not an Ed25519 private key: " + keyPair.getPrivate().getAlgorithm(), e);
        }
        if (!(parameters instanceof Ed25519PrivateKeyParameters privateKey)) {
            throw new IllegalArgumentException(
                    "Not an Ed25519 private key: " + keyPair.getPrivate().getAlgorithm());
        }
        return new SigningKey(privateKey, keyPair.getPublic().getEncoded());
    }

    /** Parses an X.509 SubjectPublicKeyInfo holding an Ed25519 key. */
    public static Ed25519PublicKeyParameters publicKeyFromSpki(byte[] spkiDer) {
        if (spkiDer == null) {
            throw new IllegalArgumentException("Ed25519 public key is missing");
        }
        SubjectPublicKeyInfo info;
        try {
            info = SubjectPublicKeyInfo.getInstance(spkiDer);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    "Public key is not a DER SubjectPublicKeyInfo; pass the X.509 encoding the signer published", e);
        }
        if (info == null
                || !EdECObjectIdentifiers.id_Ed25519.equals(info.getAlgorithm().getAlgorithm())) {
            throw new IllegalArgumentException("Public key is not an Ed25519 key (algorithm "
                    + (info == null ? "none" : info.getAlgorithm().getAlgorithm()) + ")");
        }
        if (info.getAlgorithm().getParameters() != null) {
            throw new IllegalArgumentException("Ed25519 public key must not carry algorithm parameters (RFC 8410)");
        }
        return publicKeyFromRaw(info.getPublicKeyData().getOctets());
    }

    /** Wraps a raw 32-byte RFC 8032 public key. */
    public static Ed25519PublicKeyParameters publicKeyFromRaw(byte[] raw) {
        if (raw == null || raw.length != PUBLIC_KEY_BYTES) {
            throw new IllegalArgumentException("Ed25519 public key must be exactly " + PUBLIC_KEY_BYTES + " bytes, got "
                    + (raw == null ? "none" : raw.length));
        }
        try {
            return new Ed25519PublicKeyParameters(raw);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("Ed25519 public key is not a valid curve point", e);
        }
    }

    /** True only for a valid signature; false for anything else, never an exception. */
    public static boolean verify(Ed25519PublicKeyParameters publicKey, byte[] message, byte[] signature) {
        if (message == null || signature == null) {
            return false;
        }
        try {
            Ed25519Signer verifier = new Ed25519Signer();
            verifier.init(false, publicKey);
            verifier.update(message, 0, message.length);
            return verifier.verifySignature(signature);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** An Ed25519 private key with its SubjectPublicKeyInfo; immutable and thread-safe. */
    public static final class SigningKey implements ModelSigner, UpdateSigner {
        private final Ed25519PrivateKeyParameters privateKey;
        private final byte[] publicKeySpki;

        private SigningKey(Ed25519PrivateKeyParameters privateKey, byte[] publicKeySpki) {
            this.privateKey = privateKey;
            this.publicKeySpki = publicKeySpki.clone();
        }

        @Override
        public byte[] sign(byte[] message) {
            if (message == null) {
                throw new IllegalArgumentException("Nothing to sign: message is null");
            }
            // A fresh Ed25519Signer per call: the signer buffers the message, so sharing one is not thread-safe.
            Ed25519Signer signer = new Ed25519Signer();
            signer.init(true, privateKey);
            signer.update(message, 0, message.length);
            return signer.generateSignature();
        }

        @Override
        public byte[] publicKey() {
            return publicKeySpki.clone();
        }

        @Override
        public String toString() {
            return "Ed25519 signing key (private part hidden)";
        }
    }
}
