package org.cohort.agent;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.ByteArrayInputStream;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import org.cohort.crypto.pki.SiteIdentity;
import org.cohort.crypto.pki.SiteKeys;
import org.cohort.crypto.tls.PinnedCaTrust;
import org.cohort.protocol.v1.EnrollRequest;
import org.cohort.protocol.v1.EnrollmentGrpc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First start: generates the site's keys locally, sends a CSR with the one-time token over
 * TLS that trusts the coordinator only if its CA matches the pinned fingerprint, and keeps
 * the issued identity. The private keys never leave this process.
 */
final class Enroller {
    private static final Logger log = LoggerFactory.getLogger(Enroller.class);

    /** How long one enrollment call may take; the coordinator's limit on an unauthenticated connection is 60 s. */
    static final int ENROLL_DEADLINE_SECONDS = 55;

    private Enroller() {}

    static AgentIdentity ensureEnrolled(AgentConfig config) {
        if (AgentIdentity.exists(config.workDir())) {
            PendingEnrollmentKeys.forget(config.workDir()); // left by a stop between saving and deleting
            return AgentIdentity.load(config);
        }
        if (config.enrollmentToken().isEmpty() || config.caFingerprint().isEmpty()) {
            throw new IllegalStateException("this agent is not enrolled yet: set enrollment.token and"
                    + " coordinator.ca-fingerprint in its config (ask the coordinator admin for a token)");
        }
        // Kept from before the first try: a restart before the answer arrives sends the same request.
        SiteKeys keys = PendingEnrollmentKeys.loadOrCreate(config.workDir(), config.enrollmentToken());
        var pinned = PinnedCaTrust.forFingerprint(config.caFingerprint());
        try {
            return EnrollmentRetry.DEFAULT.run(() -> enrollOnce(config, keys, pinned));
        } catch (StatusRuntimeException last) {
            throw new IllegalStateException("enrollment failed: "
                    + (last.getStatus().getDescription() != null
                            ? last.getStatus().getDescription()
                            : last.getStatus().toString()));
        }
    }

    /**
     * One try at each of the coordinator's addresses in turn; the first that answers enrolls the
     * site, else the last address's failure is thrown (a refusal of the token or request at once).
     */
    private static AgentIdentity enrollOnce(AgentConfig config, SiteKeys keys, PinnedCaTrust pinned) {
        var credentials =
                TlsChannelCredentials.newBuilder().trustManager(pinned).build();
        StatusRuntimeException last = null;
        for (String address : config.coordinatorAddresses()) {
            ManagedChannel channel =
                    NettyChannelBuilder.forTarget(address, credentials).build();
            try {
                var response = EnrollmentGrpc.newBlockingStub(channel)
                        // Long enough for a loaded coordinator. Should the answer still be lost after the
                        // coordinator used the token, the retry (same keys) gets the same answer within 15 min.
                        .withDeadlineAfter(ENROLL_DEADLINE_SECONDS, TimeUnit.SECONDS)
                        .enroll(EnrollRequest.newBuilder()
                                .setToken(config.enrollmentToken())
                                .setCertificateRequest(ByteString.copyFrom(keys.certificateRequest(config.siteName())))
                                .setUpdateSigningPublicKey(ByteString.copyFrom(keys.updateSigningPublicKey()))
                                .setAgentVersion(SiteAgent.VERSION)
                                .build());
                X509Certificate ca = certificate(response.getCaCertificate().toByteArray());
                X509Certificate pinnedCa = pinned.observedCa()
                        .orElseThrow(() -> new IllegalStateException("TLS handshake did not show the coordinator CA"));
                if (!pinnedCa.equals(ca)) {
                    throw new IllegalStateException("coordinator returned a CA that differs from the pinned one");
                }
                var identity = new AgentIdentity(
                        SiteIdentity.create(
                                keys, certificate(response.getCertificate().toByteArray()), ca),
                        response.getModelSigningPublicKey().toByteArray());
                identity.save(config);
                PendingEnrollmentKeys.forget(config.workDir());
                log.info("enrolled as {} with coordinator {}", response.getSiteId(), address);
                return identity;
            } catch (StatusRuntimeException e) {
                last = e;
                log.warn("enrollment with {} failed: {}", address, e.getStatus());
                if (e.getStatus().getCode() == io.grpc.Status.Code.PERMISSION_DENIED
                        || e.getStatus().getCode() == io.grpc.Status.Code.INVALID_ARGUMENT) {
                    break; // the token or request is bad; another replica would say the same
                }
            } finally {
                channel.shutdownNow();
            }
        }
        if (last == null) {
            throw new IllegalStateException("enrollment failed: no coordinator address");
        }
        throw last;
    }

    static X509Certificate certificate(byte[] der) {
        try {
            return (X509Certificate)
                    CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException e) {
            throw new IllegalStateException("coordinator sent a malformed certificate", e);
        }
    }
}
