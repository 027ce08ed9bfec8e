package org.cohort.coordinator.compliance;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.cohort.coordinator.audit.AuditEntry;
import org.cohort.coordinator.audit.AuditKind;
import org.cohort.coordinator.audit.AuditLog;
import org.cohort.coordinator.study.Study;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * One-line audit calls for the places where things happen (enrollment, revocation, study
 * lifecycle), so every entry of a kind has the same details. Rounds are audited by
 * {@link RoundCompliance}, together with their ledger charges.
 */
@Component
public class AuditTrail {
    /** Actor of what the coordinator does by itself. */
    public static final String COORDINATOR = "coordinator";
    /** Actor of REST calls (the API has one admin token, so no finer identity exists). */
    public static final String ADMIN = "admin";

    /**
     * Who is acting: the role of the REST request's static token ("admin", "operator", "ml",
     * "compliance"), so the log says which job made a change, or "oidc:&lt;user&gt;" for a JWT from the
     * identity provider; {@link #ADMIN} outside a request.
     */
    public static String actor() {
        var auth = org.springframework.security.core.context.SecurityContextHolder.getContext()
                .getAuthentication();
        return auth == null || !auth.isAuthenticated() || auth.getName() == null ? ADMIN : auth.getName();
    }

    private final AuditLog audit;
    private final JsonMapper json;

    public AuditTrail(AuditLog audit, JsonMapper json) {
        this.audit = audit;
        this.json = json;
    }

    /** Actor name of a site. */
    public static String site(String siteId) {
        return "site:" + siteId;
    }

    /**
     * Someone issued an enrollment token: who, for which site name, the token's id (public: it names
     * the token in the store) and its expiry. The token's secret is never written here.
     */
    public AuditEntry enrollmentTokenIssued(String siteName, String tokenId, Instant expiresAt, String actor) {
        var d = new LinkedHashMap<String, Object>();
        d.put("siteName", siteName);
        d.put("tokenId", tokenId);
        d.put("expiresAt", expiresAt);
        return audit.append(AuditKind.ENROLLMENT_TOKEN_ISSUED, actor, d);
    }

    /** A site received its certificate. */
    public AuditEntry enrolled(
            String siteId,
            String siteName,
            String certificateSerialHex,
            Instant certificateNotAfter,
            String agentVersion) {
        var d = new LinkedHashMap<String, Object>();
        d.put("siteId", siteId);
        d.put("siteName", siteName);
        d.put("certificateSerial", certificateSerialHex);
        d.put("certificateNotAfter", certificateNotAfter);
        d.put("agentVersion", agentVersion);
        return audit.append(AuditKind.ENROLLMENT, site(siteId), d);
    }

    /**
     * A site sent its enrollment again (the first answer lost on the way) and got the same certificate: no
     * new site, no new certificate, but on the record.
     */
    public AuditEntry enrollmentRepeated(String siteId, String certificateSerialHex, String agentVersion) {
        var d = new LinkedHashMap<String, Object>();
        d.put("siteId", siteId);
        d.put("certificateSerial", certificateSerialHex);
        d.put("agentVersion", agentVersion);
        return audit.append(AuditKind.ENROLLMENT_REPEATED, site(siteId), d);
    }

    /** An enrolled site renewed its certificate over mutual TLS. */
    public AuditEntry renewed(
            String siteId,
            String previousSerialHex,
            String certificateSerialHex,
            Instant certificateNotAfter,
            String agentVersion) {
        var d = new LinkedHashMap<String, Object>();
        d.put("siteId", siteId);
        d.put("previousCertificateSerial", previousSerialHex);
        d.put("certificateSerial", certificateSerialHex);
        d.put("certificateNotAfter", certificateNotAfter);
        d.put("agentVersion", agentVersion);
        return audit.append(AuditKind.CERTIFICATE_RENEWAL, site(siteId), d);
    }

    /** A site's certificate was revoked. */
    public AuditEntry revoked(String siteId, String reason, String actor) {
        return audit.append(
                AuditKind.REVOCATION, actor, Map.of("siteId", siteId, "reason", reason == null ? "" : reason));
    }

    /** A study was created: its full spec (privacy included) goes into the entry. */
    public AuditEntry studyCreated(Study study, String actor) {
        var d = new LinkedHashMap<String, Object>();
        d.put("studyId", study.studyId());
        d.put("name", study.spec().name());
        d.put("spec", json.convertValue(study.spec(), Map.class));
        return audit.append(AuditKind.STUDY_CREATED, actor, d);
    }

    public AuditEntry studyStarted(String studyId, String actor) {
        return audit.append(AuditKind.STUDY_STARTED, actor, Map.of("studyId", studyId));
    }

    public AuditEntry studyStopped(String studyId, String reason, String actor) {
        return audit.append(
                AuditKind.STUDY_STOPPED, actor, Map.of("studyId", studyId, "reason", reason == null ? "" : reason));
    }

    /** A study ended by itself: status COMPLETED or FAILED, and why. */
    public AuditEntry studyFinished(String studyId, String status, String detail) {
        return audit.append(
                AuditKind.STUDY_FINISHED,
                COORDINATOR,
                Map.of("studyId", studyId, "status", status, "detail", detail == null ? "" : detail));
    }
}
