package org.cohort.agent;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.cohort.crypto.pki.SiteIdentity;
import org.cohort.protocol.v1.CertificateRenewalGrpc;
import org.cohort.protocol.v1.RenewCertificateRequest;
import org.cohort.protocol.v1.RenewCertificateResponse;

/**
 * Renews the site certificate before it expires: when less than {@link AgentConfig#renewFraction()}
 * of its lifetime remains, or {@link #MAX_MARGIN}, whichever is smaller. The agent generates a new
 * TLS key, sends a CSR over its current mutual-TLS connection, and writes the new key and
 * certificate atomically (owner-only) in place of the old; the update-signing key stays. If the
 * agent stops half-way, the old certificate still works until it expires and the next start retries.
 */
final class CertificateRenewer {
    /** Renewal starts at most this long before the certificate expires. */
    static final Duration MAX_MARGIN = Duration.ofDays(30);
    /** How often a running agent checks. */
    static final Duration CHECK_INTERVAL = Duration.ofDays(1);

    private CertificateRenewer() {}

    /** How long before expiry renewal starts: {@code fraction} of the lifetime, at most {@link #MAX_MARGIN}. */
    static Duration margin(X509Certificate certificate, double fraction) {
        Duration lifetime = Duration.between(
                certificate.getNotBefore().toInstant(),
                certificate.getNotAfter().toInstant());
        Duration share = Duration.ofMillis((long) (lifetime.toMillis() * fraction));
        return share.compareTo(MAX_MARGIN) < 0 ? share : MAX_MARGIN;
    }

    /** Whether the certificate should be renewed at {@code now}. */
    static boolean due(X509Certificate certificate, Instant now, double fraction) {
        Instant renewFrom = certificate.getNotAfter().toInstant().minus(margin(certificate, fraction));
        return !now.isBefore(renewFrom);
    }

    /**
     * Renews over {@code channel} (which must present the current certificate) and saves the new
     * identity; returns it. Nothing on disk changes unless the coordinator issued a certificate that
     * matches the new key, names this site and chains to the pinned CA.
     *
     * @throws io.grpc.StatusRuntimeException if the coordinator refused or could not be reached
     */
    static AgentIdentity renew(AgentIdentity identity, AgentConfig config, Channel channel) {
        SiteIdentity.Renewal renewal = identity.site().startRenewal();
        RenewCertificateResponse response = CertificateRenewalGrpc.newBlockingStub(channel)
                .withDeadlineAfter(30, TimeUnit.SECONDS)
                .renewCertificate(RenewCertificateRequest.newBuilder()
                        .setCertificateRequest(ByteString.copyFrom(renewal.certificateRequest()))
                        .setAgentVersion(SiteAgent.VERSION)
                        .build());
        return install(identity, config, renewal, response);
    }

    /** Checks the coordinator's answer and writes the renewed identity in place of the old one. */
    static AgentIdentity install(
            AgentIdentity identity,
            AgentConfig config,
            SiteIdentity.Renewal renewal,
            RenewCertificateResponse response) {
        if (response.getCertificateChainCount() < 1) {
            throw new IllegalStateException("the coordinator answered the renewal without a certificate");
        }
        if (response.getCertificateChainCount() > 1) {
            X509Certificate ca =
                    Enroller.certificate(response.getCertificateChain(1).toByteArray());
            if (!ca.equals(identity.site().caCertificate())) {
                throw new IllegalStateException(
                        "the coordinator answered the renewal with a CA other than the pinned one");
            }
        }
        SiteIdentity renewed = renewal.complete(
                Enroller.certificate(response.getCertificateChain(0).toByteArray()));
        var next = new AgentIdentity(renewed, identity.modelSigningPublicKey());
        next.saveKeystore(config);
        return next;
    }
}
