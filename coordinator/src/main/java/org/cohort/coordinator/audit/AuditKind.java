package org.cohort.coordinator.audit;

/** What an audit entry records. {@link AuditLog#append(String, String, java.util.Map)} also takes other kinds. */
public enum AuditKind {
    /**
     * An enrollment token was issued (who issued it, for which site name, its id and expiry; never
     * the token itself).
     */
    ENROLLMENT_TOKEN_ISSUED,
    /** A site received its certificate (site id, name, certificate serial). */
    ENROLLMENT,
    /**
     * A site's enrollment request came again after its token was used (the first answer lost on the way) and
     * got the same certificate (site id, certificate serial); no new site or certificate.
     */
    ENROLLMENT_REPEATED,
    /** An enrolled site renewed its certificate (site id, old and new serial, new expiry). */
    CERTIFICATE_RENEWAL,
    /** A site's certificate was revoked (site id, reason). */
    REVOCATION,
    /** A study was created (its spec, including privacy: unit, δ, ε budget, accountant). */
    STUDY_CREATED,
    STUDY_STARTED,
    STUDY_STOPPED,
    /** A study ended: completed, failed, or its privacy budget was reached. */
    STUDY_FINISHED,
    /** A round's model was accepted for release: participants, parameters, model digests, charges. */
    ROUND_COMPLETED,
    /** A round was not run because a selected site would exceed the study's privacy budget. */
    ROUND_REFUSED,
    /** One site's privacy cost for one round was recorded in the ledger. */
    LEDGER_CHARGE
}
