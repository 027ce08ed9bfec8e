package org.cohort.coordinator.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.cohort.coordinator.site.SiteRepository;
import org.cohort.crypto.tls.PeerIdentity;
import org.cohort.protocol.v1.EnrollmentGrpc;

/**
 * Every call except enrollment must come from an enrolled, non-revoked site: the TLS layer
 * verified the certificate chain (and refused revoked serials at handshake); here the
 * certificate is matched to the site record, so a site revoked while connected is refused
 * on its next call too.
 */
final class SiteAuthInterceptor implements ServerInterceptor {
    private final SiteRepository sites;

    SiteAuthInterceptor(SiteRepository sites) {
        this.sites = sites;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (call.getMethodDescriptor().getServiceName().equals(EnrollmentGrpc.SERVICE_NAME)) {
            return next.startCall(call, headers);
        }
        X509Certificate cert = peerCertificate(call);
        if (cert == null) {
            return refuse(
                    call,
                    Status.UNAUTHENTICATED.withDescription(
                            "this call needs the site's client certificate; enroll the agent first with an enrollment token"));
        }
        PeerIdentity peer = PeerIdentity.of(cert);
        var site = sites.find(peer.siteId());
        if (site.isEmpty()) {
            return refuse(call, Status.UNAUTHENTICATED.withDescription("unknown site '" + peer.siteId() + "'"));
        }
        if (site.get().revoked()) {
            return refuse(
                    call,
                    Status.PERMISSION_DENIED.withDescription("site " + peer.siteId() + " was revoked at "
                            + site.get().revokedAt() + " (" + site.get().revokedReason()
                            + "); ask the coordinator admin to re-enroll it"));
        }
        String serial = peer.serial().toString(16);
        // An earlier certificate of the site (before a renewal) still works until it expires: TLS
        // checked its dates, and revoking the site revokes every certificate it was issued.
        if (!site.get().certificateSerialHex().equals(serial) && !sites.issuedTo(peer.siteId(), serial)) {
            return refuse(
                    call,
                    Status.UNAUTHENTICATED.withDescription(
                            "certificate serial does not match the one issued to site " + peer.siteId()));
        }
        Context ctx = Context.current()
                .withValue(SiteContext.SITE_ID, peer.siteId())
                .withValue(SiteContext.CERTIFICATE, cert);
        return Contexts.interceptCall(ctx, call, headers, next);
    }

    private static X509Certificate peerCertificate(ServerCall<?, ?> call) {
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        if (session == null) {
            return null;
        }
        try {
            var chain = session.getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x ? x : null;
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status) {
        call.close(status, new Metadata());
        return new ServerCall.Listener<>() {};
    }
}
