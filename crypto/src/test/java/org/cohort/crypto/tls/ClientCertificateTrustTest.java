package org.cohort.crypto.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.cohort.crypto.pki.SiteCertificateAuthority;
import org.cohort.crypto.pki.SiteKeys;
import org.cohort.crypto.tls.PeerCertificateRejectedException.Reason;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The coordinator's client-certificate rules, checked directly with a fixed clock. */
class ClientCertificateTrustTest {

    private static final Instant NOW = Instant.parse("2026-03-01T09:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    @TempDir
    static Path dir;

    private static SiteCertificateAuthority ca;
    private static X509Certificate siteCertificate;

    @BeforeAll
    static void setUp() {
        ca = SiteCertificateAuthority.openOrCreate(dir, "pw".toCharArray(), CLOCK);
        siteCertificate = ca.issue(SiteKeys.generate().certificateRequest("s"), "site-swiss")
                .certificate();
    }

    private static ClientCertificateTrust trustAt(Instant now) {
        return TlsTrust.clientCertificateTrust(
                ca.caCertificate(), RevocationCheck.none(), Clock.fixed(now, ZoneOffset.UTC));
    }

    @Test
    void acceptsValidSiteCertificateAndNamesThePeer() throws Exception {
        PeerIdentity peer = trustAt(NOW).verify(new X509Certificate[] {siteCertificate, ca.caCertificate()});

        assertThat(peer).isEqualTo(new PeerIdentity("site-swiss", siteCertificate.getSerialNumber()));
        assertThat(PeerIdentity.of(siteCertificate)).isEqualTo(peer);
    }

    @Test
    void rejectsExpiredClientCertificate() {
        assertThatThrownBy(
                        () -> trustAt(NOW.plus(Duration.ofDays(366))).verify(new X509Certificate[] {siteCertificate}))
                .isInstanceOfSatisfying(
                        PeerCertificateRejectedException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.EXPIRED))
                .hasMessageContaining("expired")
                .hasMessageContaining("enroll again");
    }

    @Test
    void rejectsClientCertificateNotYetValid() throws Exception {
        Clock later = Clock.fixed(NOW.plus(Duration.ofDays(10)), ZoneOffset.UTC);
        X509Certificate future = SiteCertificateAuthority.openOrCreate(dir, "pw".toCharArray(), later)
                .issue(SiteKeys.generate().certificateRequest("s"), "site-future")
                .certificate();

        assertThatThrownBy(() -> trustAt(NOW).verify(new X509Certificate[] {future}))
                .isInstanceOfSatisfying(
                        PeerCertificateRejectedException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.NOT_YET_VALID))
                .hasMessageContaining("clocks");
    }

    @Test
    void rejectsServerCertificatePresentedAsClientCertificate() {
        X509Certificate serverCertificate =
                ca.serverIdentity(List.of("localhost")).certificate();

        assertThatThrownBy(() -> trustAt(NOW).verify(new X509Certificate[] {serverCertificate}))
                .isInstanceOfSatisfying(
                        PeerCertificateRejectedException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.WRONG_PURPOSE));
    }

    @Test
    void rejectsTheCaCertificateItself() {
        assertThatThrownBy(() -> trustAt(NOW).verify(new X509Certificate[] {ca.caCertificate()}))
                .isInstanceOfSatisfying(
                        PeerCertificateRejectedException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.WRONG_PURPOSE));
    }

    @Test
    void failsClosedWhenRevocationCannotBeChecked() {
        ClientCertificateTrust trust = TlsTrust.clientCertificateTrust(
                ca.caCertificate(),
                serial -> {
                    throw new IllegalStateException("database down");
                },
                CLOCK);

        assertThatThrownBy(() -> trust.verify(new X509Certificate[] {siteCertificate}))
                .isInstanceOfSatisfying(
                        PeerCertificateRejectedException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.REVOKED))
                .hasMessageContaining("database down");
    }

    /** The TLS layer picks its alert from this cause, so the site hears certificate_revoked / _expired. */
    @Test
    void revokedAndExpiredCarryTheReasonTheTlsLayerTurnsIntoAnAlert() {
        ClientCertificateTrust revoking = TlsTrust.clientCertificateTrust(ca.caCertificate(), serial -> true, CLOCK);
        assertThatThrownBy(() -> revoking.verify(new X509Certificate[] {siteCertificate}))
                .cause()
                .isInstanceOfSatisfying(
                        java.security.cert.CertPathValidatorException.class,
                        e -> assertThat(e.getReason())
                                .isEqualTo(java.security.cert.CertPathValidatorException.BasicReason.REVOKED));
        assertThatThrownBy(
                        () -> trustAt(NOW.plus(Duration.ofDays(366))).verify(new X509Certificate[] {siteCertificate}))
                .cause()
                .isInstanceOfSatisfying(
                        java.security.cert.CertPathValidatorException.class,
                        e -> assertThat(e.getReason())
                                .isEqualTo(java.security.cert.CertPathValidatorException.BasicReason.EXPIRED));
    }

    @Test
    void emptyChainMeansNoCertificate() {
        assertThatThrownBy(() -> trustAt(NOW).verify(new X509Certificate[0]))
                .isInstanceOfSatisfying(
                        PeerCertificateRejectedException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.NO_CERTIFICATE));
    }

    @Test
    void advertisesOnlyOurCaAsAcceptedIssuer() {
        assertThat(trustAt(NOW).getAcceptedIssuers()).containsExactly(ca.caCertificate());
    }
}
