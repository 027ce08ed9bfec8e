package org.cohort.crypto.pki;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.KeyPair;
import java.util.Objects;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.cohort.crypto.internal.Algorithms;
import org.cohort.crypto.internal.Ed25519;
import org.cohort.crypto.internal.Names;
import org.cohort.crypto.signature.UpdateSigner;

/**
 * The key pairs a site generates locally before enrolling: ECDSA P-256 for mutual TLS and
 * Ed25519 for signing model updates. Private keys never leave this object except into the site's
 * own keystore (via {@link SiteIdentity#save}).
 */
public final class SiteKeys {

    private final KeyPair tls;
    private final KeyPair updateSigning;
    private final Ed25519.SigningKey updateSigner;

    private SiteKeys(KeyPair tls, KeyPair updateSigning) {
        this.tls = tls;
        this.updateSigning = updateSigning;
        this.updateSigner = Ed25519.signingKey(updateSigning);
    }

    public static SiteKeys generate() {
        return new SiteKeys(Algorithms.newEcKeyPair(), Algorithms.newEd25519KeyPair());
    }

    /**
     * A PKCS#10 request (DER) for the TLS key, signed with it. The coordinator names the site
     * itself; {@code siteName} only helps an admin recognise the request, so a name longer than a
     * common name may be (site names may be, see {@link SiteNames}) is cut short.
     */
    public byte[] certificateRequest(String siteName) {
        Objects.requireNonNull(siteName, "siteName");
        String shown =
                siteName.length() > Names.MAX_COMMON_NAME ? siteName.substring(0, Names.MAX_COMMON_NAME) : siteName;
        try {
            return new JcaPKCS10CertificationRequestBuilder(Names.commonName(shown), tls.getPublic())
                    .build(new JcaContentSignerBuilder(Algorithms.ECDSA_SIGNATURE).build(tls.getPrivate()))
                    .getEncoded();
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("Cannot sign a certificate request with the site's ECDSA key", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** X.509 SubjectPublicKeyInfo DER of the update-signing key; sent to the coordinator at enrollment. */
    public byte[] updateSigningPublicKey() {
        return updateSigner.publicKey();
    }

    public UpdateSigner updateSigner() {
        return updateSigner;
    }

    KeyPair tlsKeyPair() {
        return tls;
    }

    KeyPair updateSigningKeyPair() {
        return updateSigning;
    }

    /** The first line of {@link #toPendingText()}: what the text is, and its version. */
    private static final String PENDING_HEADER = "cohort site keys, pending enrollment, v1";

    /**
     * The keys as text, for an agent to keep between its enrollment's first try and its answer (a restart
     * in between must send the same request): a header line, then the TLS key pair and the update-signing
     * key pair, each private key PKCS#8 DER and public key X.509 DER, base64, one per line. It holds private
     * keys in clear: keep it owner-only, as the keystore's password file beside it is.
     */
    public String toPendingText() {
        var b64 = java.util.Base64.getEncoder();
        return PENDING_HEADER + "\n"
                + b64.encodeToString(tls.getPrivate().getEncoded()) + "\n"
                + b64.encodeToString(tls.getPublic().getEncoded()) + "\n"
                + b64.encodeToString(updateSigning.getPrivate().getEncoded()) + "\n"
                + b64.encodeToString(updateSigning.getPublic().getEncoded()) + "\n";
    }

    /** The keys {@link #toPendingText()} wrote; IllegalArgumentException in words when the text is not that. */
    public static SiteKeys fromPendingText(String text) {
        var lines = text.strip().lines().toList();
        if (lines.size() != 5 || !lines.get(0).equals(PENDING_HEADER)) {
            throw new IllegalArgumentException("not a pending-enrollment key file (" + PENDING_HEADER + ")");
        }
        try {
            var b64 = java.util.Base64.getDecoder();
            var ec = java.security.KeyFactory.getInstance("EC");
            var ed = java.security.KeyFactory.getInstance("Ed25519");
            KeyPair tls = new KeyPair(
                    ec.generatePublic(new java.security.spec.X509EncodedKeySpec(b64.decode(lines.get(2)))),
                    ec.generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(b64.decode(lines.get(1)))));
            KeyPair signing = new KeyPair(
                    ed.generatePublic(new java.security.spec.X509EncodedKeySpec(b64.decode(lines.get(4)))),
                    ed.generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(b64.decode(lines.get(3)))));
            // Each public key must be its private key's: a mismatch would enroll keys the site cannot use.
            requireMatching(tls, Algorithms.ECDSA_SIGNATURE, "TLS");
            requireMatching(signing, "Ed25519", "update-signing");
            return new SiteKeys(tls, signing);
        } catch (java.security.GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "the pending-enrollment key file does not hold the keys it should (" + e.getMessage() + ")", e);
        }
    }

    private static void requireMatching(KeyPair pair, String algorithm, String which)
            throws java.security.GeneralSecurityException {
        byte[] probe = "cohort pending keys".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        var signer = java.security.Signature.getInstance(algorithm);
        signer.initSign(pair.getPrivate());
        signer.update(probe);
        byte[] signature = signer.sign();
        var verifier = java.security.Signature.getInstance(algorithm);
        verifier.initVerify(pair.getPublic());
        verifier.update(probe);
        if (!verifier.verify(signature)) {
            throw new IllegalArgumentException("the " + which + " public key is not its private key's");
        }
    }

    @Override
    public String toString() {
        return "SiteKeys (private parts hidden)";
    }
}
