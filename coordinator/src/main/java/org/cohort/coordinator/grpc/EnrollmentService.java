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
    @Override
    public void enroll(EnrollRequest request, StreamObserver<EnrollResponse> response) {
        try {
            String siteName = tokens.check(request.getToken());
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
            log.info(
                    "enrolled site {} ({}) with certificate serial {}",
                    siteId,
                    siteName,
                    issued.serial().toString(16));
            response.onNext(EnrollResponse.newBuilder()
                    .setSiteId(siteId)
                    .setCertificate(ByteString.copyFrom(issued.certificate().getEncoded()))
                    .setCaCertificate(ByteString.copyFrom(ca.caCertificate().getEncoded()))
                    .setModelSigningPublicKey(ByteString.copyFrom(ca.modelSigningPublicKey()))
                    .build());
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

    private static StatusRuntimeException refused(String why) {
        String reason = why.endsWith(".") ? why.substring(0, why.length() - 1) : why;
        return Status.INVALID_ARGUMENT
                .withDescription(
                        "enrollment refused: " + reason + ". The enrollment token was not used and still works.")
                .asRuntimeException();
    }
}
