package org.cohort.coordinator.grpc;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import org.cohort.coordinator.compliance.AuditTrail;
import org.cohort.coordinator.site.SiteRepository;
import org.cohort.crypto.pki.CertificateRequestRejectedException;
import org.cohort.crypto.pki.CheckedCertificateRequest;
import org.cohort.crypto.pki.IssuedCertificate;
import org.cohort.crypto.pki.SiteCertificateAuthority;
import org.cohort.protocol.v1.CertificateRenewalGrpc;
import org.cohort.protocol.v1.RenewCertificateRequest;
import org.cohort.protocol.v1.RenewCertificateResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Renews an enrolled site's certificate: the site is the one its client certificate names (checked
 * by {@link SiteAuthInterceptor}, which also refuses a revoked site), never one the request names;
 * the request must be for a new key and name that same site. The new certificate has enrollment's
 * validity; the old one keeps working until it expires.
 */
@Component
class CertificateRenewalService extends CertificateRenewalGrpc.CertificateRenewalImplBase {
    private static final Logger log = LoggerFactory.getLogger(CertificateRenewalService.class);

    private final SiteCertificateAuthority ca;
    private final SiteRepository sites;
    private final AuditTrail audit;
    private final Clock clock;

    CertificateRenewalService(SiteCertificateAuthority ca, SiteRepository sites, AuditTrail audit, Clock clock) {
        this.ca = ca;
        this.sites = sites;
        this.audit = audit;
        this.clock = clock;
    }

    @Override
    public void renewCertificate(RenewCertificateRequest request, StreamObserver<RenewCertificateResponse> response) {
        try {
            String siteId = SiteContext.siteId();
            X509Certificate current = SiteContext.CERTIFICATE.get();
            if (current == null) {
                throw Status.UNAUTHENTICATED
                        .withDescription("renewal needs the site's current client certificate")
                        .asRuntimeException();
            }
            var site = sites.find(siteId);
            if (site.isEmpty() || site.get().revoked()) {
                throw Status.PERMISSION_DENIED
                        .withDescription("site " + siteId + " is revoked or unknown; it cannot renew its certificate")
                        .asRuntimeException();
            }
            CheckedCertificateRequest csr;
            try {
                csr = ca.checkRenewalRequest(request.getCertificateRequest().toByteArray(), current);
            } catch (CertificateRequestRejectedException e) {
                throw Status.INVALID_ARGUMENT
                        .withDescription("renewal refused: " + e.getMessage())
                        .asRuntimeException();
            }
            IssuedCertificate issued = ca.issue(csr, siteId);
            String serial = issued.serial().toString(16);
            if (!sites.renewed(siteId, serial, issued.notAfter(), request.getAgentVersion(), clock.instant())) {
                throw Status.PERMISSION_DENIED
                        .withDescription("site " + siteId + " was revoked; it cannot renew its certificate")
                        .asRuntimeException();
            }
            String previous = site.get().certificateSerialHex();
            audit.renewed(siteId, previous, serial, issued.notAfter(), request.getAgentVersion());
            log.info(
                    "site {} renewed its certificate: serial {} → {}, valid until {}",
                    siteId,
                    previous,
                    serial,
                    issued.notAfter());
            response.onNext(RenewCertificateResponse.newBuilder()
                    .addCertificateChain(
                            ByteString.copyFrom(issued.certificate().getEncoded()))
                    .addCertificateChain(ByteString.copyFrom(ca.caCertificate().getEncoded()))
                    .build());
            response.onCompleted();
        } catch (StatusRuntimeException e) {
            response.onError(e);
        } catch (CertificateEncodingException | RuntimeException e) {
            log.error("certificate renewal failed", e);
            response.onError(Status.INTERNAL
                    .withDescription("the coordinator could not renew the certificate; its log has the details")
                    .asRuntimeException());
        }
    }
}
