package org.cohort.crypto.tls;

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
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
