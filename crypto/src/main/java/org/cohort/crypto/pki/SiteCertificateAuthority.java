package org.cohort.crypto.pki;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.RSAPublicKey;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.operator.ContentVerifierProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.util.BigIntegers;
import org.cohort.crypto.internal.Algorithms;
import org.cohort.crypto.internal.DerivedSealer;
import org.cohort.crypto.internal.Ed25519;
import org.cohort.crypto.seal.Sealer;
import org.cohort.crypto.signature.ModelSigner;

/**
 * The coordinator's certificate authority: issues site client certificates and the coordinator's
 * TLS server certificate, and holds the Ed25519 key that signs model versions.
 *
 * <p>Everything lives in one password-protected PKCS12 file, {@code dataDir/ca.p12}, created on
 * first start. Thread-safe; replicas sharing a data directory serialise on a lock file.
 */
public final class SiteCertificateAuthority {

    /** Name of the keystore inside the data directory. */
    public static final String KEYSTORE_FILE = "ca.p12";

    static final String CA_COMMON_NAME = "Cohort Coordinator CA";
    static final String MODEL_SIGNING_COMMON_NAME = "Cohort Model Signing";
    /** Host names go in the SANs, where TLS clients look; a CN could not hold a long DNS name anyway (64 chars). */
    static final String SERVER_COMMON_NAME = "Cohort Coordinator";

    static final String CA_ALIAS = "cohort-ca";
    static final String MODEL_SIGNING_ALIAS = "cohort-model-signing";
    static final String TLS_SERVER_ALIAS = "cohort-tls-server";

    static final Duration CA_VALIDITY = Duration.ofDays(3650);
    static final Duration SITE_CERTIFICATE_VALIDITY = Duration.ofDays(365);
    static final Duration SERVER_CERTIFICATE_VALIDITY = Duration.ofDays(365);
    /** A server certificate with less than this left is re-issued on the next start. */
    static final Duration SERVER_RENEWAL_MARGIN = Duration.ofDays(30);
    /**
     * Certificates start this long before "now": hospital machines' clocks drift, and a certificate
     * that is not yet valid on the peer fails a handshake for no good reason.
     */
    static final Duration BACKDATE = Duration.ofHours(1);

    private static final String KEYSTORE_DESCRIPTION = "coordinator CA keystore";

    private final Path keystoreFile;
    /** Kept (a private copy) because {@link #serverIdentity} may rewrite the keystore later. */
    private final char[] password;

    private final Clock clock;
    private final X509Certificate caCertificate;
    private final PrivateKey caKey;
    private final Ed25519.SigningKey modelSigningKey;
    private final String caFingerprint;

    private SiteCertificateAuthority(
            Path keystoreFile,
            char[] password,
            Clock clock,
            X509Certificate caCertificate,
            PrivateKey caKey,
            Ed25519.SigningKey modelSigningKey) {
        this.keystoreFile = keystoreFile;
        this.password = password;
        this.clock = clock;
        this.caCertificate = caCertificate;
        this.caKey = caKey;
        this.modelSigningKey = modelSigningKey;
        this.caFingerprint = Algorithms.fingerprint(caCertificate);
    }

    /**
     * Loads the CA from {@code dataDir/ca.p12}, creating the CA and model-signing keys on first start.
     *
     * @param password protects the keystore; copied, so the caller may wipe its array afterwards
     * @throws WrongKeystorePasswordException if the keystore exists and {@code password} does not open it
     */
    public static SiteCertificateAuthority openOrCreate(Path dataDir, char[] password, Clock clock) {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(clock, "clock");
        if (password == null || password.length == 0) {
            throw new IllegalArgumentException(
                    "The CA keystore needs a non-empty password; configure one for the coordinator");
        }
        char[] ownPassword = password.clone();
        Path file = dataDir.resolve(KEYSTORE_FILE);
        try {
            PrivateDirectories.create(dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the coordinator data directory " + dataDir, e);
        }
        return Pkcs12Files.withLock(
                file, () -> Files.exists(file) ? load(file, ownPassword, clock) : create(file, ownPassword, clock));
    }

    private static SiteCertificateAuthority create(Path file, char[] password, Clock clock) {
        Instant now = clock.instant();
        KeyPair caKeys = Algorithms.newEcKeyPair();
        X509Certificate ca =
                CertificateBuilder.selfSignedCa(caKeys, CA_COMMON_NAME, now.minus(BACKDATE), now.plus(CA_VALIDITY));
        KeyStore keyStore = Pkcs12Files.newEmpty();
        Pkcs12Files.setKey(keyStore, CA_ALIAS, caKeys.getPrivate(), password, List.of(ca));
        KeyPair modelKeys = addModelSigningKey(keyStore, ca, caKeys.getPrivate(), password, now);
        Pkcs12Files.save(keyStore, file, password);
        return new SiteCertificateAuthority(
                file, password, clock, ca, caKeys.getPrivate(), Ed25519.signingKey(modelKeys));
    }

    private static SiteCertificateAuthority load(Path file, char[] password, Clock clock) {
        KeyStore keyStore = Pkcs12Files.load(file, password, KEYSTORE_DESCRIPTION);
        PrivateKey caKey = Pkcs12Files.key(keyStore, CA_ALIAS, password, file);
        List<X509Certificate> caChain = Pkcs12Files.chain(keyStore, CA_ALIAS);
        if (caKey == null || caChain.isEmpty()) {
            throw new IllegalStateException(
                    file + " opens but holds no Cohort CA key (alias '" + CA_ALIAS + "'). Point the"
                            + " coordinator at the data directory it created, or move this file away to create a new CA.");
        }
        X509Certificate ca = caChain.get(0);
        PrivateKey modelKey = Pkcs12Files.key(keyStore, MODEL_SIGNING_ALIAS, password, file);
        KeyPair modelKeys;
        if (modelKey == null) {
            // A keystore from before model signing existed: add the key rather than refuse to start.
            modelKeys = addModelSigningKey(keyStore, ca, caKey, password, clock.instant());
            Pkcs12Files.save(keyStore, file, password);
        } else {
            modelKeys = new KeyPair(
                    Pkcs12Files.chain(keyStore, MODEL_SIGNING_ALIAS).get(0).getPublicKey(), modelKey);
        }
        return new SiteCertificateAuthority(file, password, clock, ca, caKey, Ed25519.signingKey(modelKeys));
    }

    /** PKCS12 only holds a private key with a certificate, so the Ed25519 key gets one from the CA. */
    private static KeyPair addModelSigningKey(
            KeyStore keyStore, X509Certificate ca, PrivateKey caKey, char[] password, Instant now) {
        KeyPair modelKeys = Algorithms.newEd25519KeyPair();
        X509Certificate holder = CertificateBuilder.endEntity(
                ca,
                caKey,
                MODEL_SIGNING_COMMON_NAME,
                SubjectPublicKeyInfo.getInstance(modelKeys.getPublic().getEncoded()),
                CertificateBuilder.randomSerial(),
                now.minus(BACKDATE),
                ca.getNotAfter().toInstant(),
                CertificateProfile.SIGNING_KEY_HOLDER,
                List.of());
        Pkcs12Files.setKey(keyStore, MODEL_SIGNING_ALIAS, modelKeys.getPrivate(), password, List.of(holder, ca));
        return modelKeys;
    }

    public X509Certificate caCertificate() {
        return caCertificate;
    }

    /** {@code sha256:<hex>} of the CA certificate: what site admins pin when they enroll. */
    public String caFingerprint() {
        return caFingerprint;
    }

    /**
     * Issues a one-year TLS client certificate for {@code siteId} to the key in {@code csrDer}.
     *
     * <p>The request's subject is ignored: the coordinator, not the requester, names the site. The
     * request's self-signature is checked to prove the requester holds the private key.
     *
     * @throws CertificateRequestRejectedException if the request is malformed, its signature does not
     *     verify, or its key is not ECDSA P-256 or RSA of at least 2048 bits
     */
    public IssuedCertificate issue(byte[] csrDer, String siteId) {
        checkSiteId(siteId);
        return issue(checkRequest(csrDer), siteId);
    }

    /**
     * Checks a certificate request without issuing anything: DER PKCS#10, an acceptable key, a
     * self-signature that verifies. Enrollment checks the request this way before it uses up the
     * site's one-time token.
     *
     * @throws CertificateRequestRejectedException as {@link #issue(byte[], String)}
     */
    public CheckedCertificateRequest checkRequest(byte[] csrDer) {
        PKCS10CertificationRequest request = parseRequest(csrDer);
        SubjectPublicKeyInfo subjectKey = request.getSubjectPublicKeyInfo();
        checkKeyAcceptable(subjectKey);
        checkProofOfPossession(request, subjectKey);
        return new CheckedCertificateRequest(subjectKey);
    }

    /**
     * Checks a renewal request from an enrolled site, whose identity {@code current} (the
     * certificate it authenticated with, already verified by TLS) names: everything {@link
     * #checkRequest} checks, and that the request's subject is exactly {@code CN=<that site's id>}
     * and its key is a new one. The site id comes from {@code current}, never from the request.
     *
     * @throws CertificateRequestRejectedException if any check fails
     */
    public CheckedCertificateRequest checkRenewalRequest(byte[] csrDer, X509Certificate current) {
        String siteId = org.cohort.crypto.internal.Names.commonNameOf(current);
        checkSiteId(siteId);
        PKCS10CertificationRequest request = parseRequest(csrDer);
        SubjectPublicKeyInfo subjectKey = request.getSubjectPublicKeyInfo();
        checkKeyAcceptable(subjectKey);
        checkProofOfPossession(request, subjectKey);
        org.bouncycastle.asn1.x500.RDN[] names =
                request.getSubject().getRDNs(org.bouncycastle.asn1.x500.style.BCStyle.CN);
        String named = names.length == 1
                        && !names[0].isMultiValued()
                        && names[0].getFirst().getValue() instanceof org.bouncycastle.asn1.ASN1String text
                        && request.getSubject().getRDNs().length == 1
                ? text.getString()
                : null;
        if (!siteId.equals(named)) {
            throw new CertificateRequestRejectedException(
                    CertificateRequestRejectedException.Reason.WRONG_SUBJECT,
                    "The renewal request names '" + request.getSubject() + "', not this site (CN=" + siteId
                            + "): a site can only renew its own certificate.");
        }
        try {
            if (Arrays.equals(subjectKey.getEncoded(), current.getPublicKey().getEncoded())) {
                throw new CertificateRequestRejectedException(
                        CertificateRequestRejectedException.Reason.WRONG_SUBJECT,
                        "The renewal request is for the site's current key; renewal needs a new key pair.");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new CheckedCertificateRequest(subjectKey);
    }

    /** Issues a one-year TLS client certificate for {@code siteId} to the key of a checked request. */
    public IssuedCertificate issue(CheckedCertificateRequest request, String siteId) {
        checkSiteId(siteId);
        Instant now = clock.instant();
        Instant notAfter = CertificateBuilder.toCertificateTime(now.plus(SITE_CERTIFICATE_VALIDITY));
        BigInteger serial = CertificateBuilder.randomSerial();
        X509Certificate certificate = CertificateBuilder.endEntity(
                caCertificate,
                caKey,
                siteId,
                request.subjectKey(),
                serial,
                now.minus(BACKDATE),
                notAfter,
                CertificateProfile.TLS_CLIENT,
                List.of());
        return new IssuedCertificate(certificate, serial, notAfter);
    }

    /**
     * The coordinator's TLS server credentials for the given host names and IP addresses. Created
     * once and kept in the keystore; re-issued when the list changes or the certificate has less than
     * 30 days left (so call this at every start).
     */
    public ServerIdentity serverIdentity(List<String> hostNamesAndIps) {
        SubjectAlternativeNames wanted = SubjectAlternativeNames.parse(hostNamesAndIps);
        return Pkcs12Files.withLock(keystoreFile, () -> {
            // Re-read under the lock: another replica may have re-issued since this one started.
            KeyStore keyStore = Pkcs12Files.load(keystoreFile, password, KEYSTORE_DESCRIPTION);
            PrivateKey key = Pkcs12Files.key(keyStore, TLS_SERVER_ALIAS, password, keystoreFile);
            List<X509Certificate> chain = Pkcs12Files.chain(keyStore, TLS_SERVER_ALIAS);
            if (key != null && isCurrent(chain, wanted)) {
                return new ServerIdentity(key, chain);
            }
            KeyPair serverKeys = Algorithms.newEcKeyPair();
            Instant now = clock.instant();
            X509Certificate certificate = CertificateBuilder.endEntity(
                    caCertificate,
                    caKey,
                    SERVER_COMMON_NAME,
                    SubjectPublicKeyInfo.getInstance(serverKeys.getPublic().getEncoded()),
                    CertificateBuilder.randomSerial(),
                    now.minus(BACKDATE),
                    now.plus(SERVER_CERTIFICATE_VALIDITY),
                    CertificateProfile.TLS_SERVER,
                    wanted.toGeneralNames());
            List<X509Certificate> newChain = List.of(certificate, caCertificate);
            Pkcs12Files.setKey(keyStore, TLS_SERVER_ALIAS, serverKeys.getPrivate(), password, newChain);
            Pkcs12Files.save(keyStore, keystoreFile, password);
            return new ServerIdentity(serverKeys.getPrivate(), newChain);
        });
    }

    private boolean isCurrent(List<X509Certificate> chain, SubjectAlternativeNames wanted) {
        if (chain.size() != 2 || !chain.get(1).equals(caCertificate)) {
            return false;
        }
        X509Certificate certificate = chain.get(0);
        Instant renewBy = certificate.getNotAfter().toInstant().minus(SERVER_RENEWAL_MARGIN);
        return clock.instant().isBefore(renewBy)
                && SubjectAlternativeNames.of(certificate).equals(wanted);
    }

    /** Signs model versions; its public key is {@link #modelSigningPublicKey()}. */
    public ModelSigner modelSigner() {
        return modelSigningKey;
    }

    /** X.509 SubjectPublicKeyInfo DER of the model-signing key, for sites to verify model versions. */
    public byte[] modelSigningPublicKey() {
        return modelSigningKey.publicKey();
    }

    /**
     * A sealer whose key is derived (HKDF-SHA256) from this CA's private key: every replica that
     * opens the same CA keystore derives the same key, and nothing outside the keystore can. The
     * key is bound to the CA certificate and to {@code purpose}, so sealers for different purposes
     * (or clusters) cannot open each other's values.
     */
    public Sealer sealer(String purpose) {
        if (!(caKey instanceof ECPrivateKey ec)) {
            throw new IllegalStateException(
                    "the CA key is " + caKey.getAlgorithm() + ", not the ECDSA key Cohort creates");
        }
        // The private scalar, not getEncoded(): PKCS#8 encodings of one key differ between the key as
        // generated and as read back from the keystore, and every replica must derive the same key.
        int length = (ec.getParams().getOrder().bitLength() + 7) / 8;
        byte[] scalar = BigIntegers.asUnsignedByteArray(length, ec.getS());
        try {
            return DerivedSealer.derive(
                    scalar, caFingerprint.getBytes(StandardCharsets.US_ASCII), "ca-derived/" + purpose);
        } finally {
            Arrays.fill(scalar, (byte) 0);
        }
    }

    @Override
    public String toString() {
        return "SiteCertificateAuthority[" + keystoreFile + ", " + caFingerprint + "]";
    }

    private static void checkSiteId(String siteId) {
        if (siteId == null
                || siteId.isBlank()
                || !siteId.equals(siteId.strip())
                || siteId.length() > SiteNames.MAX_SITE_ID_LENGTH
                || siteId.chars().anyMatch(Character::isISOControl)) {
            throw new CertificateRequestRejectedException(
                    CertificateRequestRejectedException.Reason.MALFORMED,
                    "Site id '" + siteId + "' cannot name a certificate: use 1 to " + SiteNames.MAX_SITE_ID_LENGTH
                            + " printable characters without leading or trailing spaces");
        }
    }

    private static PKCS10CertificationRequest parseRequest(byte[] csrDer) {
        try {
            if (csrDer == null || csrDer.length == 0) {
                throw new IOException("empty");
            }
            return new PKCS10CertificationRequest(csrDer);
        } catch (IOException | RuntimeException e) {
            throw new CertificateRequestRejectedException(
                    CertificateRequestRejectedException.Reason.MALFORMED,
                    "The certificate request is not a DER-encoded PKCS#10 CSR. Let the site agent generate it"
                            + " (it sends DER, not PEM text).",
                    e);
        }
    }

    private static void checkKeyAcceptable(SubjectPublicKeyInfo key) {
        ASN1ObjectIdentifier algorithm = key.getAlgorithm().getAlgorithm();
        if (X9ObjectIdentifiers.id_ecPublicKey.equals(algorithm)) {
            ASN1Encodable curve = key.getAlgorithm().getParameters();
            if (!SECObjectIdentifiers.secp256r1.equals(curve)) {
                throw new CertificateRequestRejectedException(
                        CertificateRequestRejectedException.Reason.UNSUPPORTED_KEY,
                        "The request's EC key is not on curve P-256 (got " + curve + "). Generate the key with the"
                                + " Cohort site agent, which uses ECDSA P-256.");
            }
        } else if (PKCSObjectIdentifiers.rsaEncryption.equals(algorithm)) {
            int bits;
            try {
                bits = RSAPublicKey.getInstance(key.parsePublicKey())
                        .getModulus()
                        .bitLength();
            } catch (IOException | RuntimeException e) {
                throw new CertificateRequestRejectedException(
                        CertificateRequestRejectedException.Reason.MALFORMED,
                        "The request's RSA public key cannot be parsed",
                        e);
            }
            if (bits < Algorithms.MIN_RSA_BITS) {
                throw new CertificateRequestRejectedException(
                        CertificateRequestRejectedException.Reason.WEAK_KEY,
                        "The request's RSA key has " + bits + " bits; at least " + Algorithms.MIN_RSA_BITS
                                + " are required." + " Generate a new key (ECDSA P-256 preferred).");
            }
        } else {
            throw new CertificateRequestRejectedException(
                    CertificateRequestRejectedException.Reason.UNSUPPORTED_KEY,
                    "The request's key algorithm " + algorithm
                            + " is not accepted; use ECDSA P-256 (what the Cohort site"
                            + " agent generates) or RSA of at least " + Algorithms.MIN_RSA_BITS + " bits.");
        }
    }

    private static void checkProofOfPossession(PKCS10CertificationRequest request, SubjectPublicKeyInfo key) {
        boolean valid;
        try {
            ContentVerifierProvider verifier = new JcaContentVerifierProviderBuilder().build(key);
            valid = request.isSignatureValid(verifier);
        } catch (OperatorCreationException | PKCSException | RuntimeException e) {
            valid = false;
        }
        if (!valid) {
            throw new CertificateRequestRejectedException(
                    CertificateRequestRejectedException.Reason.BAD_SIGNATURE,
                    "The certificate request's signature does not verify: it was altered in transit or not signed by its own"
                            + " key. Let the site agent generate a fresh request and enroll again.");
        }
    }
}
