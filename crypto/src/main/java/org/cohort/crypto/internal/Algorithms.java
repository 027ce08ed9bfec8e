package org.cohort.crypto.internal;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.HexFormat;

/**
 * The one place that decides Cohort's algorithms, curves and fingerprint format.
 *
 * <p>ECDSA P-256 with SHA-256 for everything X.509 and TLS (every TLS 1.3 stack, gRPC's
 * included, supports it, and keys are small); Ed25519 for model and update signatures
 * (deterministic, no nonce to get wrong, fast to verify).
 */
public final class Algorithms {

    /** Curve of every ECDSA key Cohort generates or accepts in a CSR (NIST P-256). */
    public static final String EC_CURVE = "secp256r1";

    /** JCA name of the signature that signs certificates and CSRs. */
    public static final String ECDSA_SIGNATURE = "SHA256withECDSA";

    /** JCA name of the Ed25519 key algorithm. */
    public static final String ED25519 = "Ed25519";

    /** RSA keys in CSRs below this size are refused (NIST SP 800-57: 112-bit security). */
    public static final int MIN_RSA_BITS = 2048;

    /** Prefix of certificate fingerprints and pins, naming the hash so it can change later. */
    public static final String FINGERPRINT_PREFIX = "sha256:";

    private static final SecureRandom RANDOM = new SecureRandom();

    private Algorithms() {}

    /** The process-wide CSPRNG (SecureRandom is thread-safe). */
    public static SecureRandom random() {
        return RANDOM;
    }

    public static KeyPair newEcKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec(EC_CURVE), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("This JDK cannot generate ECDSA P-256 keys; use a standard JDK 21+", e);
        }
    }

    public static KeyPair newEd25519KeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(ED25519);
            generator.initialize(255, RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("This JDK cannot generate Ed25519 keys; use a standard JDK 21+", e);
        }
    }

    public static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    /** {@code sha256:<lowercase hex of SHA-256 over the DER certificate>}. */
    public static String fingerprint(X509Certificate certificate) {
        try {
            return FINGERPRINT_PREFIX + HexFormat.of().formatHex(sha256(certificate.getEncoded()));
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("Certificate cannot be DER-encoded, so it has no fingerprint", e);
        }
    }

    /**
     * Normalises a fingerprint typed or pasted by a person: case, surrounding spaces and colon
     * separators are forgiven; anything that is not 32 hex bytes is refused.
     */
    public static String normaliseFingerprint(String pin) {
        if (pin == null) {
            throw new IllegalArgumentException(
                    "CA fingerprint pin is missing; pass the value the coordinator prints, e.g. sha256:3f9a…");
        }
        String hex = pin.strip().toLowerCase(java.util.Locale.ROOT);
        if (hex.startsWith(FINGERPRINT_PREFIX)) {
            hex = hex.substring(FINGERPRINT_PREFIX.length());
        }
        hex = hex.replace(":", "");
        if (!hex.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException(
                    "CA fingerprint pin '" + pin + "' is not of the form sha256:<64 hex digits>;"
                            + " copy it exactly as the coordinator admin gave it");
        }
        return FINGERPRINT_PREFIX + hex;
    }
}
