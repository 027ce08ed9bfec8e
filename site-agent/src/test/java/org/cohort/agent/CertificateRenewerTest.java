package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.cohort.crypto.pki.IssuedCertificate;
import org.cohort.crypto.pki.SiteCertificateAuthority;
import org.cohort.crypto.pki.SiteIdentity;
import org.cohort.crypto.pki.SiteKeys;
import org.cohort.protocol.v1.RenewCertificateResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** When the agent renews its certificate, and how it replaces its keystore. */
class CertificateRenewerTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path dir;

    @Test
    void aYearLongCertificateIsDueThirtyDaysBeforeItExpires() {
        var issued = issue(Clock.fixed(T0, ZoneOffset.UTC)).issued;
        Instant notAfter = issued.notAfter();
        double third = AgentConfig.DEFAULT_RENEW_FRACTION;

        assertThat(CertificateRenewer.margin(issued.certificate(), third)).isEqualTo(Duration.ofDays(30));
        assertThat(CertificateRenewer.due(issued.certificate(), T0, third)).isFalse();
        assertThat(CertificateRenewer.due(issued.certificate(), notAfter.minus(Duration.ofDays(31)), third))
                .isFalse();
        assertThat(CertificateRenewer.due(issued.certificate(), notAfter.minus(Duration.ofDays(29)), third))
                .isTrue();
        assertThat(CertificateRenewer.due(issued.certificate(), notAfter.plusSeconds(1), third))
                .isTrue();
        // A smaller fraction renews later: a hundredth of a year is under 4 days.
        assertThat(CertificateRenewer.due(issued.certificate(), notAfter.minus(Duration.ofDays(10)), 0.01))
                .isFalse();
        assertThat(CertificateRenewer.due(issued.certificate(), notAfter.minus(Duration.ofDays(3)), 0.01))
                .isTrue();
    }

    @Test
    void theRenewedIdentityReplacesTheKeystoreOwnerOnly() throws Exception {
        var config = AgentConfig.builder("Hospital", dir.resolve("data.csv"), dir.resolve("work"))
                .coordinators(List.of("localhost:1"))
                .build();
        var enrolled = issue(Clock.systemUTC());
        var identity = new AgentIdentity(
                SiteIdentity.create(enrolled.keys, enrolled.issued.certificate(), enrolled.ca.caCertificate()),
                enrolled.ca.modelSigningPublicKey());
        identity.save(config);
        Path keystore = AgentIdentity.keystore(config.workDir());
        byte[] before = Files.readAllBytes(keystore);

        SiteIdentity.Renewal renewal = identity.site().startRenewal();
        IssuedCertificate renewedCert =
                enrolled.ca.issue(renewal.certificateRequest(), identity.site().siteId());
        var response = RenewCertificateResponse.newBuilder()
                .addCertificateChain(
                        ByteString.copyFrom(renewedCert.certificate().getEncoded()))
                .addCertificateChain(
                        ByteString.copyFrom(enrolled.ca.caCertificate().getEncoded()))
                .build();
        AgentIdentity renewed = CertificateRenewer.install(identity, config, renewal, response);

        assertThat(renewed.site().serial()).isEqualTo(renewedCert.serial());
        assertThat(Files.readAllBytes(keystore)).isNotEqualTo(before);
        AgentIdentity reloaded = AgentIdentity.load(config);
        assertThat(reloaded.site().serial()).isEqualTo(renewedCert.serial());
        assertThat(reloaded.site().siteId()).isEqualTo(identity.site().siteId());
        // The update-signing key stays: the coordinator verifies updates with the key it enrolled.
        assertThat(reloaded.site().updateSigningPublicKey())
                .isEqualTo(identity.site().updateSigningPublicKey());
        assertThat(Files.getPosixFilePermissions(keystore)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        // Written through a temporary file renamed over the old one: nothing is left beside it.
        try (var files = Files.list(config.workDir())) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")))
                    .isEmpty();
        }
    }

    private record Enrolled(SiteCertificateAuthority ca, SiteKeys keys, IssuedCertificate issued) {}

    private Enrolled issue(Clock clock) {
        var ca = SiteCertificateAuthority.openOrCreate(
                dir.resolve("ca-" + System.nanoTime()), "secret".toCharArray(), clock);
        SiteKeys keys = SiteKeys.generate();
        return new Enrolled(ca, keys, ca.issue(keys.certificateRequest("site-a"), "site-a"));
    }
}
