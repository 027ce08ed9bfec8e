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

    @Override
    public String toString() {
        return "SiteKeys (private parts hidden)";
    }
}
