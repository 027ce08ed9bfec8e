package org.cohort.crypto.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.KeyManager;
import javax.net.ssl.TrustManager;
import org.cohort.crypto.pki.IssuedCertificate;
import org.cohort.crypto.pki.ServerIdentity;
import org.cohort.crypto.pki.SiteCertificateAuthority;
import org.cohort.crypto.pki.SiteIdentity;
import org.cohort.crypto.pki.SiteKeys;
import org.cohort.crypto.tls.LoopbackTls.ClientAuth;
import org.cohort.crypto.tls.LoopbackTls.Outcome;
import org.cohort.crypto.tls.PeerCertificateRejectedException.Reason;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real TLS 1.3 handshakes over loopback with the key and trust managers this module builds. */
class MutualTlsHandshakeTest {

    // JSSE's own checks (key manager choice, the agent's PKIX trust) use the system time, so these
    // tests live at the real "now", fixed for the run.
    private static final Clock CLOCK = Clock.fixed(Instant.now(), ZoneOffset.UTC);
    private static final char[] PASSWORD = "pw".toCharArray();

    @TempDir
    static Path dir;

    private static SiteCertificateAuthority ca;
    private static SiteCertificateAuthority otherCa;
    private static ServerIdentity server;
    private static final Set<BigInteger> revoked = ConcurrentHashMap.newKeySet();
    private static ClientCertificateTrust clientTrust;

    @BeforeAll
    static void setUp() {
        ca = SiteCertificateAuthority.openOrCreate(dir.resolve("ca"), PASSWORD, CLOCK);
        otherCa = SiteCertificateAuthority.openOrCreate(dir.resolve("other-ca"), PASSWORD, CLOCK);
        server = ca.serverIdentity(List.of("localhost", "127.0.0.1"));
        clientTrust = TlsTrust.clientCertificateTrust(ca.caCertificate(), revoked::contains, CLOCK);
    }

    private static SiteIdentity enroll(SiteCertificateAuthority authority, String siteId) {
        SiteKeys keys = SiteKeys.generate();
        IssuedCertificate issued = authority.issue(keys.certificateRequest(siteId), siteId);
        return SiteIdentity.create(keys, issued.certificate(), authority.caCertificate());
    }

    private static Outcome connect(ClientAuth mode, KeyManager[] clientKeys, TrustManager[] clientTrustManagers)
            throws Exception {
        return LoopbackTls.exchange(
                server.keyManagers(),
                new TrustManager[] {clientTrust},
                mode,
                clientKeys,
                clientTrustManagers,
                "localhost");
    }

    @Test
    void mutualTlsSucceedsWithValidSiteCertificate() throws Exception {
        SiteIdentity site = enroll(ca, "site-cleveland");

        Outcome outcome = connect(ClientAuth.NEED, site.keyManagers(), TlsTrust.coordinator(site.caCertificate()));

        assertThat(outcome.succeeded())
                .as("server: %s, client: %s", outcome.serverError(), outcome.clientError())
                .isTrue();
        assertThat(outcome.serverSession().getProtocol()).isEqualTo("TLSv1.3");
        assertThat(clientTrust.authenticate(outcome.serverSession()))
                .isEqualTo(new PeerIdentity("site-cleveland", site.serial()));
    }

    @Test
    void rejectsRevokedClientCertificate() throws Exception {
        SiteIdentity site = enroll(ca, "site-revoked");
        revoked.add(site.serial());

        Outcome outcome = connect(ClientAuth.NEED, site.keyManagers(), TlsTrust.coordinator(site.caCertificate()));

        assertThat(outcome.succeeded()).isFalse();
        assertThat(LoopbackTls.mentions(outcome.serverError(), "was revoked by the coordinator admin"))
                .as("server error %s", outcome.serverError())
                .isTrue();
        assertThat(LoopbackTls.mentions(outcome.serverError(), site.serial().toString(16)))
                .isTrue();
    }

    @Test
    void revocationAfterHandshakeIsCaughtPerCall() throws Exception {
        SiteIdentity site = enroll(ca, "site-revoked-later");
        Outcome outcome = connect(ClientAuth.WANT, site.keyManagers(), TlsTrust.coordinator(site.caCertificate()));
        assertThat(outcome.succeeded()).isTrue();

        revoked.add(site.serial());

        assertThatThrownBy(() -> clientTrust.authenticate(outcome.serverSession()))
                .isInstanceOfSatisfying(
                        PeerCertificateRejectedException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.REVOKED));
    }

    @Test
    void rejectsClientCertificateFromDifferentCa() throws Exception {
        SiteIdentity stranger = enroll(otherCa, "site-stranger");

        Outcome outcome = connect(
                ClientAuth.NEED,
                LoopbackTls.ignoringRequestedIssuers(stranger.keyManagers()),
                TlsTrust.coordinator(ca.caCertificate()));

        assertThat(outcome.succeeded()).isFalse();
        assertThat(LoopbackTls.mentions(outcome.serverError(), "was not issued by this coordinator's CA"))
                .as("server error %s", outcome.serverError())
                .isTrue();
    }

    @Test
    void siteOfAnotherCoordinatorSendsNoCertificateAndIsRejected() throws Exception {
        SiteIdentity stranger = enroll(otherCa, "site-stranger");

        // The server names our CA as acceptable issuer; the JDK's key manager then withholds a
        // certificate from another Cohort CA (their names differ), and the server sees none.
        Outcome outcome = connect(ClientAuth.NEED, stranger.keyManagers(), TlsTrust.coordinator(ca.caCertificate()));

        assertThat(outcome.succeeded()).isFalse();
        assertThat(outcome.serverError()).hasMessageContaining("Empty client certificate chain");
    }

    @Test
    void rejectsMissingClientCertificateWhenRequired() throws Exception {
        Outcome outcome = connect(ClientAuth.NEED, null, TlsTrust.coordinator(ca.caCertificate()));

        assertThat(outcome.succeeded()).isFalse();
        assertThat(outcome.serverError()).isNotNull();
    }

    @Test
    void optionalClientAuthAdmitsAnonymousAgentButAuthenticateRefusesIt() throws Exception {
        Outcome outcome = connect(ClientAuth.WANT, null, TlsTrust.coordinator(ca.caCertificate()));

        assertThat(outcome.succeeded()).isTrue();
        assertThatThrownBy(() -> clientTrust.authenticate(outcome.serverSession()))
                .isInstanceOfSatisfying(
                        PeerCertificateRejectedException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.NO_CERTIFICATE))
                .hasMessageContaining("Enroll the site first");
    }

    @Test
    void optionalClientAuthStillRejectsBadCertificateAtHandshake() throws Exception {
        SiteIdentity site = enroll(ca, "site-revoked-optional");
        revoked.add(site.serial());

        Outcome outcome = connect(ClientAuth.WANT, site.keyManagers(), TlsTrust.coordinator(ca.caCertificate()));

        assertThat(outcome.succeeded()).isFalse();
    }

    @Test
    void agentRejectsCoordinatorFromDifferentCa() throws Exception {
        SiteIdentity site = enroll(ca, "site-a");

        Outcome outcome = connect(ClientAuth.NEED, site.keyManagers(), TlsTrust.coordinator(otherCa.caCertificate()));

        assertThat(outcome.succeeded()).isFalse();
        assertThat(LoopbackTls.mentions(outcome.clientError(), "coordinator's TLS certificate is not trusted"))
                .as("client error %s", outcome.clientError())
                .isTrue();
    }

    @Test
    void agentChecksCoordinatorHostName() throws Exception {
        ServerIdentity elsewhere = ca.serverIdentity(List.of("coordinator.elsewhere.example"));
        try {
            Outcome outcome = LoopbackTls.exchange(
                    elsewhere.keyManagers(),
                    new TrustManager[] {clientTrust},
                    ClientAuth.WANT,
                    null,
                    TlsTrust.coordinator(ca.caCertificate()),
                    "localhost");

            assertThat(outcome.succeeded()).isFalse();
            assertThat(LoopbackTls.mentions(outcome.clientError(), "localhost"))
                    .as("client error %s", outcome.clientError())
                    .isTrue();
        } finally {
            server = ca.serverIdentity(List.of("localhost", "127.0.0.1"));
        }
    }

    @Test
    void pinnedCaTrustAcceptsMatchingPinAndExposesCa() throws Exception {
        PinnedCaTrust pinned =
                PinnedCaTrust.forFingerprint(ca.caFingerprint().toUpperCase().replace("SHA256:", "sha256:"));

        Outcome outcome = connect(ClientAuth.WANT, null, pinned.trustManagers());

        assertThat(outcome.succeeded())
                .as("client error %s", outcome.clientError())
                .isTrue();
        assertThat(pinned.observedCa()).contains(ca.caCertificate());
    }

    @Test
    void pinnedCaTrustRejectsWrongPin() throws Exception {
        PinnedCaTrust pinned = PinnedCaTrust.forFingerprint(otherCa.caFingerprint());

        Outcome outcome = connect(ClientAuth.WANT, null, pinned.trustManagers());

        assertThat(outcome.succeeded()).isFalse();
        assertThat(LoopbackTls.mentions(outcome.clientError(), "does not match the pinned " + otherCa.caFingerprint()))
                .as("client error %s", outcome.clientError())
                .isTrue();
        assertThat(LoopbackTls.mentions(outcome.clientError(), ca.caFingerprint()))
                .isTrue();
        assertThat(pinned.observedCa()).isEmpty();
    }

    @Test
    void pinIsValidatedWhenGiven() {
        assertThatThrownBy(() -> PinnedCaTrust.forFingerprint("sha256:abc"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sha256:<64 hex digits>");
    }
}
