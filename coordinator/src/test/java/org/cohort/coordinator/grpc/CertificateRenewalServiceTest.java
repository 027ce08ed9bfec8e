package org.cohort.coordinator.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.cohort.coordinator.audit.AuditLog;
import org.cohort.coordinator.compliance.AuditTrail;
import org.cohort.coordinator.ledger.TestDatabase;
import org.cohort.coordinator.site.Site;
import org.cohort.coordinator.site.SiteRepository;
import org.cohort.crypto.pki.IssuedCertificate;
import org.cohort.crypto.pki.SiteCertificateAuthority;
import org.cohort.crypto.pki.SiteIdentity;
import org.cohort.crypto.pki.SiteKeys;
import org.cohort.crypto.tls.TlsTrust;
import org.cohort.protocol.v1.CertificateRenewalGrpc;
import org.cohort.protocol.v1.RenewCertificateRequest;
import org.cohort.protocol.v1.RenewCertificateResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;

/**
 * Renewal over real mutual TLS, with the coordinator's interceptor, CA, site repository and audit
 * log on an in-memory database: only the site the calling certificate names can renew, and only
 * while it is not revoked.
 */
class CertificateRenewalServiceTest {
    @TempDir
    Path dir;

    private final Clock clock = Clock.systemUTC();
    private SiteCertificateAuthority ca;
    private SiteRepository sites;
    private JdbcClient jdbc;
    private Server server;
    private final List<ManagedChannel> channels = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        var ds = TestDatabase.inMemory();
        jdbc = JdbcClient.create(ds);
        sites = new SiteRepository(jdbc);
        ca = SiteCertificateAuthority.openOrCreate(dir.resolve("ca"), "secret".toCharArray(), clock);
        var audit = new AuditTrail(
                new AuditLog(jdbc, new DataSourceTransactionManager(ds), ca.modelSigner(), clock), TestDatabase.json());
        var service = new CertificateRenewalService(ca, sites, audit, clock);
        var credentials = TlsServerCredentials.newBuilder()
                .keyManager(ca.serverIdentity(List.of("localhost")).keyManagers())
                .trustManager(TlsTrust.clientCertificates(ca.caCertificate(), sites::isRevoked))
                .clientAuth(TlsServerCredentials.ClientAuth.OPTIONAL)
                .build();
        server = NettyServerBuilder.forAddress(new InetSocketAddress("localhost", 0), credentials)
                .addService(StrictRequests.of(ServerInterceptors.intercept(service, new SiteAuthInterceptor(sites))))
                .build()
                .start();
    }

    @AfterEach
    void stop() throws Exception {
        channels.forEach(ManagedChannel::shutdownNow);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void aSiteRenewsAndBothItsNewAndItsOldCertificateAuthenticate() throws Exception {
        SiteIdentity old = enroll("site-a");
        SiteIdentity.Renewal renewal = old.startRenewal();
        RenewCertificateResponse response = renew(old, renewal.certificateRequest());

        assertThat(response.getCertificateChainCount()).isEqualTo(2);
        X509Certificate issued = certificate(response.getCertificateChain(0));
        assertThat(certificate(response.getCertificateChain(1))).isEqualTo(ca.caCertificate());
        SiteIdentity renewed = renewal.complete(issued);
        assertThat(renewed.siteId()).isEqualTo("site-a");
        assertThat(renewed.serial()).isNotEqualTo(old.serial());
        // Same validity as enrollment.
        assertThat(Duration.between(
                        issued.getNotBefore().toInstant(), issued.getNotAfter().toInstant()))
                .isEqualTo(Duration.between(
                        old.certificate().getNotBefore().toInstant(),
                        old.certificate().getNotAfter().toInstant()));
        assertThat(sites.find("site-a").orElseThrow().certificateSerialHex())
                .isEqualTo(renewed.serial().toString(16));

        // The new certificate authenticates (and may renew again) ...
        renew(renewed, renewed.startRenewal().certificateRequest());
        // ... and so does the old one until it expires: an agent that crashed mid-renewal still connects.
        renew(old, old.startRenewal().certificateRequest());

        assertThat(jdbc.sql("SELECT COUNT(*) FROM audit_entries WHERE kind = 'CERTIFICATE_RENEWAL'")
                        .query(Long.class)
                        .single())
                .isEqualTo(3L);
    }

    @Test
    void aCsrNamingAnotherSiteIsRefused() throws Exception {
        SiteIdentity a = enroll("site-a");
        enroll("site-b");
        byte[] forB = SiteKeys.generate().certificateRequest("site-b");

        assertThatThrownBy(() -> renew(a, forB)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription()).contains("site-a");
        });
        assertThat(sites.find("site-a").orElseThrow().certificateSerialHex())
                .isEqualTo(a.serial().toString(16));
    }

    @Test
    void aRevokedSiteCannotRenew() throws Exception {
        SiteIdentity a = enroll("site-a");
        sites.revoke("site-a", "decommissioned", Instant.now());

        assertThatThrownBy(() -> renew(a, a.startRenewal().certificateRequest()))
                .isInstanceOf(StatusRuntimeException.class);
        assertThat(sites.find("site-a").orElseThrow().certificateSerialHex())
                .isEqualTo(a.serial().toString(16));
        assertThat(jdbc.sql("SELECT COUNT(*) FROM site_certificates WHERE site_id = 'site-a'")
                        .query(Long.class)
                        .single())
                .isEqualTo(1L);
    }

    @Test
    void aCsrWithAnInvalidSignatureIsRefused() throws Exception {
        SiteIdentity a = enroll("site-a");
        byte[] csr = a.startRenewal().certificateRequest();
        csr[csr.length - 3] ^= 0x5a; // inside the signature

        assertThatThrownBy(() -> renew(a, csr)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription()).contains("signature");
        });
    }

    @Test
    void withoutAClientCertificateNothingIsRenewed() throws Exception {
        var credentials = TlsChannelCredentials.newBuilder()
                .trustManager(TlsTrust.coordinator(ca.caCertificate()))
                .build();
        ManagedChannel channel =
                NettyChannelBuilder.forAddress("localhost", port(), credentials).build();
        channels.add(channel);
        byte[] csr = SiteKeys.generate().certificateRequest("site-a");
        assertThatThrownBy(() -> CertificateRenewalGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(10, TimeUnit.SECONDS)
                        .renewCertificate(RenewCertificateRequest.newBuilder()
                                .setCertificateRequest(ByteString.copyFrom(csr))
                                .build()))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    }

    private SiteIdentity enroll(String siteId) {
        SiteKeys keys = SiteKeys.generate();
        IssuedCertificate issued = ca.issue(keys.certificateRequest(siteId), siteId);
        sites.insert(new Site(
                siteId,
                siteId,
                issued.serial().toString(16),
                issued.notAfter(),
                keys.updateSigningPublicKey(),
                "test",
                clock.instant(),
                null,
                null));
        return SiteIdentity.create(keys, issued.certificate(), ca.caCertificate());
    }

    private RenewCertificateResponse renew(SiteIdentity identity, byte[] csr) {
        var credentials = TlsChannelCredentials.newBuilder()
                .keyManager(identity.keyManagers())
                .trustManager(TlsTrust.coordinator(ca.caCertificate()))
                .build();
        ManagedChannel channel =
                NettyChannelBuilder.forAddress("localhost", port(), credentials).build();
        channels.add(channel);
        return CertificateRenewalGrpc.newBlockingStub(channel)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .renewCertificate(RenewCertificateRequest.newBuilder()
                        .setCertificateRequest(ByteString.copyFrom(csr))
                        .setAgentVersion("test")
                        .build());
    }

    private int port() {
        return ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
    }

    private static X509Certificate certificate(ByteString der) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(der.toByteArray()));
    }
}
