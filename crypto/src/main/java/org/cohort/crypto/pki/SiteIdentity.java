package org.cohort.crypto.pki;

import java.math.BigInteger;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.KeyManager;
import org.cohort.crypto.internal.Ed25519;
import org.cohort.crypto.internal.Names;
import org.cohort.crypto.signature.UpdateSigner;

/**
 * An enrolled site's credentials: its TLS key and the certificate the coordinator issued for it,
 * the coordinator's CA certificate, and the site's Ed25519 update-signing key. Saved as one
 * password-protected PKCS12 file on the site's machine.
 */
public final class SiteIdentity {

    static final String TLS_ALIAS = "cohort-site-tls";
    static final String UPDATE_SIGNING_ALIAS = "cohort-update-signing";
    /** The update-signing key's holder certificate is named after the site: {@code <site id> update signing}. */
    static final String UPDATE_SIGNING_SUFFIX = " update signing";

    private static final String KEYSTORE_DESCRIPTION = "site identity keystore";

    private final PrivateKey tlsKey;
    private final X509Certificate certificate;
    private final X509Certificate caCertificate;
    private final PrivateKey updateSigningKey;
    private final X509Certificate updateSigningHolder;
    private final Ed25519.SigningKey updateSigner;
    private final String siteId;

    private SiteIdentity(
            PrivateKey tlsKey,
            X509Certificate certificate,
            X509Certificate caCertificate,
            PrivateKey updateSigningKey,
            X509Certificate updateSigningHolder) {
        this.tlsKey = tlsKey;
        this.certificate = certificate;
        this.caCertificate = caCertificate;
        this.updateSigningKey = updateSigningKey;
        this.updateSigningHolder = updateSigningHolder;
        this.updateSigner = Ed25519.signingKey(new KeyPair(updateSigningHolder.getPublicKey(), updateSigningKey));
        this.siteId = Names.commonNameOf(certificate);
    }

    /**
     * Combines locally generated keys with the certificate the coordinator issued for them.
     *
     * @throws IllegalArgumentException if {@code issued} is not for these keys or not signed by {@code ca}
     */
    public static SiteIdentity create(SiteKeys keys, X509Certificate issued, X509Certificate ca) {
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(issued, "issued");
        Objects.requireNonNull(ca, "ca");
        if (!Arrays.equals(
                issued.getPublicKey().getEncoded(),
                keys.tlsKeyPair().getPublic().getEncoded())) {
            throw new IllegalArgumentException("The issued certificate is for a different key than this site's; the"
                    + " coordinator answered another request. Enroll again with a new token.");
        }
        try {
            issued.verify(ca.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    "The issued certificate is not signed by the given CA certificate (" + ca.getSubjectX500Principal()
                            + "); check that the agent talks to the coordinator it pinned.",
                    e);
        }
        KeyPair updateKeys = keys.updateSigningKeyPair();
        X509Certificate holder = CertificateBuilder.keyHolder(
                updateKeys,
                Names.commonNameOf(issued) + UPDATE_SIGNING_SUFFIX,
                issued.getNotBefore().toInstant(),
                issued.getNotAfter().toInstant());
        return new SiteIdentity(keys.tlsKeyPair().getPrivate(), issued, ca, updateKeys.getPrivate(), holder);
    }

    /**
     * Starts a renewal: a new TLS key pair and a request for it naming this site ({@code
     * CN=<site id>}); the update-signing key stays. Nothing changes until {@link Renewal#complete}.
     */
    public Renewal startRenewal() {
        return new Renewal(org.cohort.crypto.internal.Algorithms.newEcKeyPair());
    }

    /** A renewal in progress: the new TLS key, waiting for its certificate. */
    public final class Renewal {
        private final KeyPair tls;

        private Renewal(KeyPair tls) {
            this.tls = tls;
        }

        /** PKCS#10 (DER) for the new key, signed with it, subject {@code CN=<site id>}. */
        public byte[] certificateRequest() {
            try {
                return new org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder(
                                Names.commonName(siteId), tls.getPublic())
                        .build(new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder(
                                        org.cohort.crypto.internal.Algorithms.ECDSA_SIGNATURE)
                                .build(tls.getPrivate()))
                        .getEncoded();
            } catch (org.bouncycastle.operator.OperatorCreationException e) {
                throw new IllegalStateException("Cannot sign a certificate request with the new ECDSA key", e);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        /**
         * The renewed identity: the new key with {@code issued}, the same CA and update-signing key.
         *
         * @throws IllegalArgumentException if {@code issued} is not for the new key, names another
         *     site, or is not signed by this identity's CA
         */
        public SiteIdentity complete(X509Certificate issued) {
            Objects.requireNonNull(issued, "issued");
            if (!Arrays.equals(
                    issued.getPublicKey().getEncoded(), tls.getPublic().getEncoded())) {
                throw new IllegalArgumentException(
                        "The renewed certificate is for a different key than the one just generated");
            }
            if (!siteId.equals(Names.commonNameOf(issued))) {
                throw new IllegalArgumentException(
                        "The renewed certificate names site '" + Names.commonNameOf(issued) + "', not " + siteId);
            }
            try {
                issued.verify(caCertificate.getPublicKey());
            } catch (GeneralSecurityException e) {
                throw new IllegalArgumentException("The renewed certificate is not signed by the pinned CA", e);
            }
            X509Certificate holder = CertificateBuilder.keyHolder(
                    new KeyPair(updateSigningHolder.getPublicKey(), updateSigningKey),
                    siteId + UPDATE_SIGNING_SUFFIX,
                    issued.getNotBefore().toInstant(),
                    issued.getNotAfter().toInstant());
            return new SiteIdentity(tls.getPrivate(), issued, caCertificate, updateSigningKey, holder);
        }
    }

    /** Writes the identity to {@code file} (PKCS12, atomically replaced, owner-only on POSIX). */
    public void save(Path file, char[] password) {
        checkPassword(password);
        KeyStore keyStore = Pkcs12Files.newEmpty();
        Pkcs12Files.setKey(keyStore, TLS_ALIAS, tlsKey, password, List.of(certificate, caCertificate));
        Pkcs12Files.setKey(keyStore, UPDATE_SIGNING_ALIAS, updateSigningKey, password, List.of(updateSigningHolder));
        Pkcs12Files.save(keyStore, file, password);
    }

    /**
     * Reads an identity written by {@link #save}.
     *
     * @throws WrongKeystorePasswordException if {@code password} does not open the file
     */
    public static SiteIdentity load(Path file, char[] password) {
        checkPassword(password);
        KeyStore keyStore = Pkcs12Files.load(file, password, KEYSTORE_DESCRIPTION);
        PrivateKey tlsKey = Pkcs12Files.key(keyStore, TLS_ALIAS, password, file);
        List<X509Certificate> tlsChain = Pkcs12Files.chain(keyStore, TLS_ALIAS);
        PrivateKey updateKey = Pkcs12Files.key(keyStore, UPDATE_SIGNING_ALIAS, password, file);
        List<X509Certificate> updateChain = Pkcs12Files.chain(keyStore, UPDATE_SIGNING_ALIAS);
        if (tlsKey == null || tlsChain.size() != 2 || updateKey == null || updateChain.isEmpty()) {
            throw new IllegalStateException(file + " is not a Cohort site identity (it lacks the site's TLS or"
                    + " update-signing key). Point the agent at the file it wrote at enrollment, or enroll again.");
        }
        return new SiteIdentity(tlsKey, tlsChain.get(0), tlsChain.get(1), updateKey, updateChain.get(0));
    }

    /** The site id the coordinator put in the certificate's CN. */
    public String siteId() {
        return siteId;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public BigInteger serial() {
        return certificate.getSerialNumber();
    }

    /** When the certificate expires; the site must re-enroll before then. */
    public Instant notAfter() {
        return certificate.getNotAfter().toInstant();
    }

    public X509Certificate caCertificate() {
        return caCertificate;
    }

    /** Client credentials for mutual TLS: presents [site certificate, CA certificate]. */
    public KeyManager[] keyManagers() {
        return Pkcs12Files.keyManagers(tlsKey, List.of(certificate, caCertificate));
    }

    public UpdateSigner updateSigner() {
        return updateSigner;
    }

    /** X.509 SubjectPublicKeyInfo DER of the update-signing key. */
    public byte[] updateSigningPublicKey() {
        return updateSigner.publicKey();
    }

    @Override
    public String toString() {
        return "SiteIdentity[" + siteId + ", serial " + serial().toString(16) + "]";
    }

    private static void checkPassword(char[] password) {
        if (password == null || password.length == 0) {
            throw new IllegalArgumentException(
                    "The site identity keystore needs a non-empty password; configure one for the agent");
        }
    }
}
