package org.cohort.crypto.tls;

import java.security.cert.CertPathValidatorException;
import java.security.cert.CertPathValidatorException.BasicReason;
import java.security.cert.CertificateException;

/**
 * A peer's certificate was refused. A {@link CertificateException}, so that JSSE turns it into a
 * failed handshake, with a {@link Reason} the coordinator can map to a gRPC status.
 */
public final class PeerCertificateRejectedException extends CertificateException {

    public enum Reason {
        /** The peer sent no certificate, but the call needs an enrolled site. */
        NO_CERTIFICATE,
        /** Not issued by the CA this side trusts (or not matching the pinned fingerprint). */
        UNTRUSTED_ISSUER,
        EXPIRED,
        NOT_YET_VALID,
        /** Issued by the right CA but for another purpose (e.g. a server certificate used as a client's). */
        WRONG_PURPOSE,
        REVOKED
    }

    private final Reason reason;

    PeerCertificateRejectedException(Reason reason, String message) {
        this(reason, message, null);
    }

    PeerCertificateRejectedException(Reason reason, String message, Throwable cause) {
        super(message, alertCause(reason, message, cause));
        this.reason = reason;
    }

    /**
     * The TLS layer (JSSE, or OpenSSL through Netty) picks the alert it sends the peer from a
     * {@link CertPathValidatorException} among the causes: with one, a revoked or expired site is
     * told {@code certificate_revoked} or {@code certificate_expired} instead of an unexplained
     * handshake failure, and the agent can tell its admin what to do.
     */
    private static Throwable alertCause(Reason reason, String message, Throwable cause) {
        BasicReason basic = switch (reason) {
            case REVOKED -> BasicReason.REVOKED;
            case EXPIRED -> BasicReason.EXPIRED;
            case NOT_YET_VALID -> BasicReason.NOT_YET_VALID;
            default -> null;
        };
        return basic == null ? cause : new CertPathValidatorException(message, cause, null, -1, basic);
    }

    public Reason reason() {
        return reason;
    }
}
