package org.cohort.crypto.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.cohort.crypto.pki.CertificateRequestRejectedException.Reason;
import org.cohort.crypto.signature.SignatureVerifier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SiteCertificateAuthorityTest {

    private static final Instant NOW = Instant.parse("2026-03-01T09:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final char[] PASSWORD = "correct horse battery staple".toCharArray();
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";

    @TempDir
    static Path sharedDir;

    private static SiteCertificateAuthority ca;

    @TempDir
    Path dataDir;

    @BeforeAll
    static void createSharedCa() {
        ca = SiteCertificateAuthority.openOrCreate(sharedDir, PASSWORD, CLOCK);
    }

    @Test
    void createsSelfSignedP256CaOnFirstStart() throws Exception {
        X509Certificate certificate = ca.caCertificate();

        assertThat(Files.exists(sharedDir.resolve("ca.p12"))).isTrue();
        assertThat(org.cohort.crypto.tls.PeerIdentity.of(certificate).siteId()).isEqualTo("Cohort Coordinator CA");
        assertThat(certificate.getIssuerX500Principal()).isEqualTo(certificate.getSubjectX500Principal());
        certificate.verify(certificate.getPublicKey());
        assertThat(certificate.getPublicKey().getAlgorithm()).isEqualTo("EC");
        assertThat(certificate.getSigAlgName()).isEqualTo("SHA256withECDSA");
        assertThat(certificate.getBasicConstraints()).isGreaterThanOrEqualTo(0);
        assertThat(certificate.getKeyUsage()[5]).as("keyCertSign").isTrue();
        assertThat(certificate.getNotAfter().toInstant())
                .isAfterOrEqualTo(NOW.plus(Duration.ofDays(3650)).minusSeconds(1));
    }

    @Test
    void everyCaHasADistinctName() {
        SiteCertificateAuthority another = SiteCertificateAuthority.openOrCreate(dataDir, PASSWORD, CLOCK);

        assertThat(another.caCertificate().getSubjectX500Principal())
                .isNotEqualTo(ca.caCertificate().getSubjectX500Principal());
    }

    @Test
    void fingerprintIsSha256OfDerCertificateInLowercaseHex() throws Exception {
        String expected = "sha256:"
                + HexFormat.of()
                        .formatHex(MessageDigest.getInstance("SHA-256")
                                .digest(ca.caCertificate().getEncoded()));

        assertThat(ca.caFingerprint()).isEqualTo(expected).matches("sha256:[0-9a-f]{64}");
    }

    @Test
    void caSurvivesRestartWithSameFingerprint() {
        SiteCertificateAuthority first = SiteCertificateAuthority.openOrCreate(dataDir, PASSWORD, CLOCK);
        byte[] modelSignature = first.modelSigner().sign("v1".getBytes(StandardCharsets.UTF_8));

        SiteCertificateAuthority restarted = SiteCertificateAuthority.openOrCreate(dataDir, PASSWORD, CLOCK);

        assertThat(restarted.caFingerprint()).isEqualTo(first.caFingerprint());
        assertThat(restarted.caCertificate()).isEqualTo(first.caCertificate());
        assertThat(restarted.modelSigningPublicKey()).isEqualTo(first.modelSigningPublicKey());
        assertThat(SignatureVerifier.ed25519(restarted.modelSigningPublicKey())
                        .verify("v1".getBytes(StandardCharsets.UTF_8), modelSignature))
                .isTrue();
    }

    @Test
    void wrongKeystorePasswordFailsClearly() {
        SiteCertificateAuthority.openOrCreate(dataDir, PASSWORD, CLOCK);

        assertThatThrownBy(() -> SiteCertificateAuthority.openOrCreate(dataDir, "guess".toCharArray(), CLOCK))
                .isInstanceOf(WrongKeystorePasswordException.class)
                .hasMessageContaining(dataDir.resolve("ca.p12").toString())
                .hasMessageContaining("password is wrong");
    }

    @Test
    void refusesEmptyPassword() {
        assertThatThrownBy(() -> SiteCertificateAuthority.openOrCreate(dataDir, new char[0], CLOCK))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("non-empty password");
    }

    @Test
    void issuesCertificateFromValidCsr() throws Exception {
        SiteKeys keys = SiteKeys.generate();

        IssuedCertificate issued = ca.issue(keys.certificateRequest("whatever the site asked for"), "site-cleveland");
        X509Certificate certificate = issued.certificate();

        certificate.verify(ca.caCertificate().getPublicKey());
        assertThat(certificate.getSubjectX500Principal().getName()).isEqualTo("CN=site-cleveland");
        assertThat(certificate.getIssuerX500Principal())
                .isEqualTo(ca.caCertificate().getSubjectX500Principal());
        assertThat(certificate.getPublicKey().getEncoded())
                .isEqualTo(keys.tlsKeyPair().getPublic().getEncoded());
        assertThat(certificate.getSerialNumber()).isEqualTo(issued.serial());
        assertThat(issued.serial().signum()).isPositive();
        assertThat(issued.serial().bitLength()).isLessThanOrEqualTo(128);
        assertThat(issued.notAfter())
                .isEqualTo(NOW.plus(Duration.ofDays(365)))
                .isEqualTo(certificate.getNotAfter().toInstant());
        assertThat(certificate.getNotBefore().toInstant()).isBeforeOrEqualTo(NOW);
        assertThat(certificate.getBasicConstraints()).isEqualTo(-1);
        assertThat(certificate.getKeyUsage()[0]).as("digitalSignature").isTrue();
        assertThat(certificate.getExtendedKeyUsage()).containsExactly(CLIENT_AUTH);
        assertThat(certificate.getExtensionValue("2.5.29.35"))
                .as("authorityKeyIdentifier")
                .isNotNull();
        assertThat(certificate.getExtensionValue("2.5.29.14"))
                .as("subjectKeyIdentifier")
                .isNotNull();
    }

    @Test
    void serialsAreRandomAndDistinct() {
        Set<BigInteger> serials = new HashSet<>();
        byte[] csr = SiteKeys.generate().certificateRequest("site");
        for (int i = 0; i < 20; i++) {
            serials.add(ca.issue(csr, "site-" + i).serial());
        }
        assertThat(serials).hasSize(20);
    }

    @Test
    void rejectsTamperedCsr() {
        byte[] csr = SiteKeys.generate().certificateRequest("site-a");
        int at = indexOf(csr, "site-a".getBytes(StandardCharsets.US_ASCII));
        csr[at + 5] = 'b';

        assertThatThrownBy(() -> ca.issue(csr, "site-a"))
                .isInstanceOfSatisfying(
                        CertificateRequestRejectedException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.BAD_SIGNATURE))
                .hasMessageContaining("signature does not verify");
    }

    @Test
    void rejectsBytesThatAreNotACsr() {
        assertThatThrownBy(
                        () -> ca.issue("-----BEGIN CERTIFICATE REQUEST-----".getBytes(StandardCharsets.US_ASCII), "a"))
                .isInstanceOfSatisfying(
                        CertificateRequestRejectedException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.MALFORMED))
                .hasMessageContaining("DER");
    }

    @Test
    void rejectsWeakRsaKey() throws Exception {
        byte[] csr = CsrFixtures.rsaCsr(1024);

        assertThatThrownBy(() -> ca.issue(csr, "site-a"))
                .isInstanceOfSatisfying(
                        CertificateRequestRejectedException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.WEAK_KEY))
                .hasMessageContaining("1024 bits")
                .hasMessageContaining("2048");
    }

    @Test
    void acceptsRsa2048Key() throws Exception {
        assertThat(ca.issue(CsrFixtures.rsaCsr(2048), "site-rsa")
                        .certificate()
                        .getPublicKey()
                        .getAlgorithm())
                .isEqualTo("RSA");
    }

    @Test
    void rejectsKeysOnOtherCurvesAndAlgorithms() throws Exception {
        byte[] p384 = CsrFixtures.p384Csr();
        byte[] ed25519 = CsrFixtures.ed25519Csr();

        assertThatThrownBy(() -> ca.issue(p384, "site-a"))
                .isInstanceOfSatisfying(
                        CertificateRequestRejectedException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.UNSUPPORTED_KEY))
                .hasMessageContaining("P-256");
        assertThatThrownBy(() -> ca.issue(ed25519, "site-a"))
                .isInstanceOfSatisfying(
                        CertificateRequestRejectedException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.UNSUPPORTED_KEY))
                .hasMessageContaining("ECDSA P-256");
    }

    @Test
    void checksARequestWithoutIssuingAnything() {
        SiteKeys keys = SiteKeys.generate();
        byte[] csr = keys.certificateRequest("site");
        byte[] tampered = csr.clone();
        tampered[tampered.length - 5] ^= 1;

        assertThatThrownBy(() ->
                        ca.checkRequest("-----BEGIN CERTIFICATE REQUEST-----".getBytes(StandardCharsets.US_ASCII)))
                .isInstanceOfSatisfying(
                        CertificateRequestRejectedException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.MALFORMED))
                .hasMessageContaining("not a DER-encoded PKCS#10");
        assertThatThrownBy(() -> ca.checkRequest(tampered))
                .isInstanceOfSatisfying(
                        CertificateRequestRejectedException.class,
                        e -> assertThat(e.reason()).isIn(Reason.BAD_SIGNATURE, Reason.MALFORMED));
        IssuedCertificate issued = ca.issue(ca.checkRequest(csr), "site-checked");
        assertThat(issued.certificate().getPublicKey())
                .isEqualTo(keys.tlsKeyPair().getPublic());
    }

    @Test
    void rejectsUnusableSiteId() {
        byte[] csr = SiteKeys.generate().certificateRequest("site");

        assertThatThrownBy(() -> ca.issue(csr, " ")).isInstanceOf(CertificateRequestRejectedException.class);
        assertThatThrownBy(() -> ca.issue(csr, "x".repeat(65))).isInstanceOf(CertificateRequestRejectedException.class);
        assertThatThrownBy(() -> ca.issue(csr, "a\nb")).isInstanceOf(CertificateRequestRejectedException.class);
    }

    @Test
    void siteIdWithDnSpecialCharactersStaysOneCommonName() {
        X509Certificate certificate = ca.issue(SiteKeys.generate().certificateRequest("x"), "Mary's, O=Evil")
                .certificate();

        assertThat(org.cohort.crypto.tls.PeerIdentity.of(certificate).siteId()).isEqualTo("Mary's, O=Evil");
    }

    @Test
    void serverIdentityCarriesRequestedNamesAndServerAuth() throws Exception {
        ServerIdentity server = ca.serverIdentity(List.of("Coordinator.Example.org", "localhost", "127.0.0.1", "::1"));
        X509Certificate certificate = server.certificate();

        certificate.verify(ca.caCertificate().getPublicKey());
        assertThat(server.certificateChain()).containsExactly(certificate, ca.caCertificate());
        assertThat(certificate.getExtendedKeyUsage()).containsExactly(SERVER_AUTH);
        assertThat(certificate.getPublicKey().getAlgorithm()).isEqualTo("EC");
        assertThat(certificate.getSubjectAlternativeNames())
                .extracting(name -> name.get(0) + "=" + name.get(1))
                .containsExactlyInAnyOrder(
                        "2=coordinator.example.org", "2=localhost", "7=127.0.0.1", "7=0:0:0:0:0:0:0:1");
        assertThat(server.keyManagers()).isNotEmpty();
    }

    @Test
    void serverIdentityIsKeptAcrossRestartsAndReissuedWhenNamesChange() {
        SiteCertificateAuthority first = SiteCertificateAuthority.openOrCreate(dataDir, PASSWORD, CLOCK);
        X509Certificate original =
                first.serverIdentity(List.of("a.example", "10.0.0.5")).certificate();

        SiteCertificateAuthority restarted = SiteCertificateAuthority.openOrCreate(dataDir, PASSWORD, CLOCK);
        assertThat(restarted.serverIdentity(List.of("10.0.0.5", "A.example")).certificate())
                .isEqualTo(original);

        X509Certificate reissued = restarted
                .serverIdentity(List.of("a.example", "b.example", "10.0.0.5"))
                .certificate();
        assertThat(reissued).isNotEqualTo(original);
        SiteCertificateAuthority again = SiteCertificateAuthority.openOrCreate(dataDir, PASSWORD, CLOCK);
        assertThat(again.serverIdentity(List.of("a.example", "b.example", "10.0.0.5"))
                        .certificate())
                .isEqualTo(reissued);
    }

    @Test
    void serverIdentityIsReissuedShortlyBeforeExpiry() {
        X509Certificate original = SiteCertificateAuthority.openOrCreate(dataDir, PASSWORD, CLOCK)
                .serverIdentity(List.of("a.example"))
                .certificate();
        Clock later = Clock.fixed(NOW.plus(Duration.ofDays(340)), ZoneOffset.UTC);

        X509Certificate renewed = SiteCertificateAuthority.openOrCreate(dataDir, PASSWORD, later)
                .serverIdentity(List.of("a.example"))
                .certificate();

        assertThat(renewed).isNotEqualTo(original);
        assertThat(renewed.getNotAfter()).isAfter(original.getNotAfter());
    }

    @Test
    void serverIdentityRefusesNamesThatAreNotHostsOrAddresses() {
        assertThatThrownBy(() -> ca.serverIdentity(List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one");
        assertThatThrownBy(() -> ca.serverIdentity(List.of("https://coordinator")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("neither a DNS host name nor an IP");
    }

    @Test
    void modelSignaturesVerifyWithPublishedKey() {
        byte[] digest = "sha256:model-v3".getBytes(StandardCharsets.UTF_8);

        byte[] signature = ca.modelSigner().sign(digest);

        assertThat(SignatureVerifier.ed25519(ca.modelSigningPublicKey()).verify(digest, signature))
                .isTrue();
        assertThat(ca.modelSigner().publicKey()).isEqualTo(ca.modelSigningPublicKey());
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }
}
