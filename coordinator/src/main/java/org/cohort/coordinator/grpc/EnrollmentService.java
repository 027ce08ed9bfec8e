package org.cohort.coordinator.grpc;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.security.cert.CertificateEncodingException;
import java.time.Clock;
import java.util.UUID;
import org.cohort.coordinator.site.Site;
import org.cohort.coordinator.site.SiteRepository;
import org.cohort.crypto.pki.EnrollmentRejectedException;
import org.cohort.crypto.pki.EnrollmentTokens;
import org.cohort.crypto.pki.IssuedCertificate;
import org.cohort.crypto.pki.SiteCertificateAuthority;
import org.cohort.protocol.v1.EnrollRequest;
import org.cohort.protocol.v1.EnrollResponse;
import org.cohort.protocol.v1.EnrollmentGrpc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/** Exchanges a one-time token and a CSR for a site certificate. */
@Component
public class EnrollmentService extends EnrollmentGrpc.EnrollmentImplBase {
    private static final Logger log = LoggerFactory.getLogger(EnrollmentService.class);

    private final EnrollmentTokens tokens;
    private final SiteCertificateAuthority ca;
    private final SiteRepository sites;
    private final org.cohort.coordinator.compliance.AuditTrail audit;
    private final Clock clock;

    public EnrollmentService(EnrollmentTokens tokens, SiteCertificateAuthority ca, SiteRepository sites,
                             org.cohort.coordinator.compliance.AuditTrail audit, Clock clock) {
        this.audit = audit;
        this.tokens = tokens;
        this.ca = ca;
        this.sites = sites;
        this.clock = clock;
    }

    @Override
    public void enroll(EnrollRequest request, StreamObserver<EnrollResponse> response) {
        String siteName;
        try {
            siteName = tokens.redeem(request.getToken());
        } catch (EnrollmentRejectedException e) {
            response.onError(Status.PERMISSION_DENIED.withDescription(e.getMessage()).asRuntimeException());
            return;
        }
        try {
            String siteId = "site-" + siteName.toLowerCase().replaceAll("[^a-z0-9]+", "-") + "-"
                    + UUID.randomUUID().toString().substring(0, 6);
            IssuedCertificate issued = ca.issue(request.getCertificateRequest().toByteArray(), siteId);
            org.cohort.crypto.signature.SignatureVerifier.ed25519(request.getUpdateSigningPublicKey().toByteArray());
            sites.insert(new Site(siteId, siteName, issued.serial().toString(16), issued.notAfter(),
                    request.getUpdateSigningPublicKey().toByteArray(), request.getAgentVersion(), clock.instant(),
                    null, null));
            audit.enrolled(siteId, siteName, issued.serial().toString(16), issued.notAfter(), request.getAgentVersion());
            log.info("enrolled site {} ({}) with certificate serial {}", siteId, siteName, issued.serial().toString(16));
            response.onNext(EnrollResponse.newBuilder()
                    .setSiteId(siteId)
                    .setCertificate(ByteString.copyFrom(issued.certificate().getEncoded()))
                    .setCaCertificate(ByteString.copyFrom(ca.caCertificate().getEncoded()))
                    .setModelSigningPublicKey(ByteString.copyFrom(ca.modelSigningPublicKey()))
                    .build());
            response.onCompleted();
        } catch (IllegalArgumentException e) {
            response.onError(Status.INVALID_ARGUMENT.withDescription("enrollment refused: " + e.getMessage())
                    .asRuntimeException());
        } catch (CertificateEncodingException e) {
            response.onError(Status.INTERNAL.withDescription("could not encode certificate").asRuntimeException());
        }
    }
}
