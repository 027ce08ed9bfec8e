package org.cohort.coordinator.grpc;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.security.cert.CertificateEncodingException;
import java.time.Clock;
import org.cohort.coordinator.site.Site;
import org.cohort.coordinator.site.SiteRepository;
import org.cohort.crypto.pki.CertificateRequestRejectedException;
import org.cohort.crypto.pki.CheckedCertificateRequest;
import org.cohort.crypto.pki.EnrollmentRejectedException;
import org.cohort.crypto.pki.EnrollmentTokens;
import org.cohort.crypto.pki.IssuedCertificate;
import org.cohort.crypto.pki.RedeemedEnrollment;
import org.cohort.crypto.pki.SiteCertificateAuthority;
import org.cohort.crypto.pki.SiteNames;
import org.cohort.crypto.signature.SignatureVerifier;
import org.cohort.protocol.v1.EnrollRequest;
import org.cohort.protocol.v1.EnrollResponse;
import org.cohort.protocol.v1.EnrollmentGrpc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/** Exchanges a one-time token and a CSR for a site certificate. */
@Component
class EnrollmentService extends EnrollmentGrpc.EnrollmentImplBase {
    private static final Logger log = LoggerFactory.getLogger(EnrollmentService.class);

    private final EnrollmentTokens tokens;
    private final SiteCertificateAuthority ca;
    private final SiteRepository sites;
    private final org.cohort.coordinator.compliance.AuditTrail audit;
    private final Clock clock;

    public EnrollmentService(
            EnrollmentTokens tokens,
            SiteCertificateAuthority ca,
            SiteRepository sites,
            org.cohort.coordinator.compliance.AuditTrail audit,
            Clock clock) {
        this.audit = audit;
        this.tokens = tokens;
        this.ca = ca;
        this.sites = sites;
        this.clock = clock;
    }

    /**
     * Everything that can be wrong with a request is checked before the token is used up: the
     * token itself, the site name it carries, the certificate request and the update-signing key.
     * A refused request leaves the token usable, so the site can fix its request and try again.
     */
    /**
     * How long after its token was used the same request, sent again, gets the same answer: longer than the
     * agent's retries of a call whose answer was lost (8 tries, backing off to 30 s, each with a 55 s deadline).
     */
    static final java.time.Duration REPEAT_WINDOW = java.time.Duration.ofMinutes(15);

    @Override
    public void enroll(EnrollRequest request, StreamObserver<EnrollResponse> response) {
        try {
            String siteName;
            try {
                siteName = tokens.check(request.getToken());
            } catch (EnrollmentRejectedException e) {
                var repeated = e.reason() == EnrollmentRejectedException.Reason.ALREADY_USED
                        ? repeatedAnswer(request)
                        : java.util.Optional.<EnrollResponse>empty();
                if (repeated.isEmpty()) {
                    throw e;
                }
                response.onNext(repeated.get());
                response.onCompleted();
                return;
            }
            try {
                SiteNames.check(siteName);
            } catch (IllegalArgumentException e) {
                throw refused("the token was issued for a site name this coordinator cannot enroll (" + e.getMessage()
                        + "); ask the coordinator admin for a token with a valid name");
            }
            CheckedCertificateRequest csr;
            try {
                csr = ca.checkRequest(request.getCertificateRequest().toByteArray());
            } catch (CertificateRequestRejectedException e) {
                throw refused(e.getMessage());
            }
            byte[] signingKey = request.getUpdateSigningPublicKey().toByteArray();
            try {
                SignatureVerifier.ed25519(signingKey);
            } catch (IllegalArgumentException e) {
                throw refused("the update-signing public key is not an Ed25519 key (" + e.getMessage()
                        + "); let the site agent generate it");
            }
            tokens.redeem(request.getToken()); // last: only a request that can succeed uses the token up
            String siteId = SiteNames.newSiteId(siteName);
            IssuedCertificate issued = ca.issue(csr, siteId);
            byte[] der = issued.certificate().getEncoded();
            sites.insert(new Site(
                    siteId,
                    siteName,
                    issued.serial().toString(16),
                    issued.notAfter(),
                    signingKey,
                    request.getAgentVersion(),
                    clock.instant(),
                    null,
                    null));
            audit.enrolled(
                    siteId, siteName, issued.serial().toString(16), issued.notAfter(), request.getAgentVersion());
            // Kept with the token, for the same request sent again should this answer be lost on the way.
            tokens.recordEnrollment(
                    request.getToken(),
                    new RedeemedEnrollment(siteId, RedeemedEnrollment.requestDigest(csr, signingKey), der));
            log.info(
                    "enrolled site {} ({}) with certificate serial {}",
                    siteId,
                    siteName,
                    issued.serial().toString(16));
            response.onNext(answer(siteId, der));
            response.onCompleted();
        } catch (EnrollmentRejectedException e) {
            response.onError(
                    Status.PERMISSION_DENIED.withDescription(e.getMessage()).asRuntimeException());
        } catch (StatusRuntimeException e) {
            response.onError(e);
        } catch (CertificateEncodingException | RuntimeException e) {
            log.error("enrollment failed", e);
            response.onError(Status.INTERNAL
                    .withDescription("the coordinator could not complete the enrollment;" + " its log has the details")
                    .asRuntimeException());
        }
    }

    private EnrollResponse answer(String siteId, byte[] certificate) throws CertificateEncodingException {
        return EnrollResponse.newBuilder()
                .setSiteId(siteId)
                .setCertificate(ByteString.copyFrom(certificate))
                .setCaCertificate(ByteString.copyFrom(ca.caCertificate().getEncoded()))
                .setModelSigningPublicKey(ByteString.copyFrom(ca.modelSigningPublicKey()))
                .build();
    }

    /**
     * The answer a used token's enrollment gave, when this request is that one sent again: the same token,
     * within {@link #REPEAT_WINDOW} of its use, for the very same keys, and the site it created still enrolled
     * under that certificate (not revoked, not renewed since). Empty otherwise: then "already used" stands.
     */
    private java.util.Optional<EnrollResponse> repeatedAnswer(EnrollRequest request)
            throws CertificateEncodingException {
        byte[] digest;
        try {
            digest = RedeemedEnrollment.requestDigest(
                    ca.checkRequest(request.getCertificateRequest().toByteArray()),
                    request.getUpdateSigningPublicKey().toByteArray());
        } catch (RuntimeException e) { // a request that is not the same one, refused as before
            return java.util.Optional.empty();
        }
        var redeemed = tokens.repeatOf(request.getToken(), digest, REPEAT_WINDOW);
        if (redeemed.isEmpty()) {
            return java.util.Optional.empty();
        }
        String siteId = redeemed.get().siteId();
        byte[] certificate = redeemed.get().certificate();
        String serial = serialHex(certificate);
        var site = sites.find(siteId);
        if (site.isEmpty()
                || site.get().revoked()
                || !site.get().certificateSerialHex().equals(serial)) {
            return java.util.Optional.empty();
        }
        audit.enrollmentRepeated(siteId, serial, request.getAgentVersion());
        log.info(
                "answered site {}'s enrollment again: the same request for the same keys, its first answer lost",
                siteId);
        return java.util.Optional.of(answer(siteId, certificate));
    }

    private static String serialHex(byte[] der) throws CertificateEncodingException {
        try {
            var x509 = (java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificate(new java.io.ByteArrayInputStream(der));
            return x509.getSerialNumber().toString(16);
        } catch (java.security.cert.CertificateException e) {
            throw new CertificateEncodingException("a stored certificate does not parse: " + e.getMessage());
        }
    }

    private static StatusRuntimeException refused(String why) {
        String reason = why.endsWith(".") ? why.substring(0, why.length() - 1) : why;
        return Status.INVALID_ARGUMENT
                .withDescription(
                        "enrollment refused: " + reason + ". The enrollment token was not used and still works.")
                .asRuntimeException();
    }
}
