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
     * How long after its token was used the same request, sent again, gets the same answer: longer than the
     * agent's retries of a call whose answer was lost (8 tries backing off to 30 s, each trying every
     * coordinator address with a 55 s deadline: about 24 minutes with three addresses).
     */
    static final java.time.Duration REPEAT_WINDOW = java.time.Duration.ofMinutes(30);

    /** Repeats answered per token at most: enough for an agent's retries, too few to flood the audit log. */
    static final int MAX_REPEATS = 8;

    /** The longest agent version a request may state (the sites table's column). */
    static final int MAX_AGENT_VERSION_CHARS = 100;

    /**
     * Everything that can be wrong with a request is checked before the token is used up: the
     * token itself, the site name it carries, the certificate request and the update-signing key.
     * A refused request leaves the token usable, so the site can fix its request and try again. The
     * same request sent again after the token was used (its answer lost on the way) gets the same
     * answer ({@link #repeatedAnswer}).
     */
    @Override
    public void enroll(EnrollRequest request, StreamObserver<EnrollResponse> response) {
        try {
            String version = request.getAgentVersion();
            if (version.length() > MAX_AGENT_VERSION_CHARS || !version.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
                throw refused("the agent version must be at most " + MAX_AGENT_VERSION_CHARS
                        + " printable ASCII characters; let the site agent state it");
            }
            String siteName;
            try {
                siteName = tokens.check(request.getToken());
            } catch (EnrollmentRejectedException e) {
                response.onNext(repeatedAnswer(request, e));
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
            String siteId = SiteNames.newSiteId(siteName);
            // Issued before the token is used, so that the token is marked used together with its answer:
            // a certificate issued for a request that then loses the token's race is never handed out.
            IssuedCertificate issued = ca.issue(csr, siteId);
            byte[] der = issued.certificate().getEncoded();
            try {
                // Last: only a request that can succeed uses the token up.
                tokens.redeem(
                        request.getToken(),
                        new RedeemedEnrollment(siteId, RedeemedEnrollment.requestDigest(csr, signingKey), der));
            } catch (EnrollmentRejectedException e) {
                // Another call used it meanwhile: this request's own first try, or someone else.
                response.onNext(repeatedAnswer(request, e));
                response.onCompleted();
                return;
            }
            sites.insert(new Site(
                    siteId,
                    siteName,
                    issued.serial().toString(16),
                    issued.notAfter(),
                    signingKey,
                    version,
                    clock.instant(),
                    null,
                    null));
            audit.enrolled(siteId, siteName, issued.serial().toString(16), issued.notAfter(), version);
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
     * The answer to a request whose token {@code refusal} turned down: when the token was used by this very
     * request (the same token, within {@link #REPEAT_WINDOW} of its use, for the very same keys), the answer
     * that use gave, if the site it created is still enrolled under that certificate (not revoked, not
     * renewed since); ABORTED, which the agent retries, while that first use is still being completed;
     * otherwise {@code refusal} itself, so that a request for other keys learns nothing new.
     */
    private EnrollResponse repeatedAnswer(EnrollRequest request, EnrollmentRejectedException refusal)
            throws CertificateEncodingException {
        if (refusal.reason() != EnrollmentRejectedException.Reason.ALREADY_USED) {
            throw refusal;
        }
        byte[] digest;
        try {
            digest = RedeemedEnrollment.requestDigest(
                    ca.checkRequest(request.getCertificateRequest().toByteArray()),
                    request.getUpdateSigningPublicKey().toByteArray());
        } catch (RuntimeException e) { // not the same request: refused as before
            throw refusal;
        }
        var redeemed = tokens.repeatOf(request.getToken(), digest, REPEAT_WINDOW);
        if (redeemed.isEmpty()) {
            throw refusal;
        }
        String siteId = redeemed.get().siteId();
        byte[] certificate = redeemed.get().certificate();
        String serial = serialHex(certificate);
        var site = sites.find(siteId);
        if (site.isEmpty()) {
            // The first use of the token is still inserting its site (or stopped before it could).
            throw Status.ABORTED
                    .withDescription("this enrollment is still being completed; try again in a few seconds")
                    .asRuntimeException();
        }
        if (site.get().revoked()
                || !site.get().certificateSerialHex().equals(serial)
                || !tokens.mayAnswerRepeat(request.getToken(), MAX_REPEATS)) {
            throw refusal;
        }
        audit.enrollmentRepeated(siteId, serial, request.getAgentVersion());
        log.info(
                "answered site {}'s enrollment again: the same request for the same keys, its first answer lost",
                siteId);
        return answer(siteId, certificate);
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
