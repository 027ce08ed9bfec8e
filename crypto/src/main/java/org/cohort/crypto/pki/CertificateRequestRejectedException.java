package org.cohort.crypto.pki;

/** The coordinator's CA refused to issue a certificate for a certificate signing request. */
public final class CertificateRequestRejectedException extends RuntimeException {

    /** Why the request was refused. */
    public enum Reason {
        /** The bytes are not a DER PKCS#10 request, or the site id is unusable. */
        MALFORMED,
        /** The request's self-signature does not verify: it was altered or the key is not the requester's. */
        BAD_SIGNATURE,
        /** The key algorithm or curve is not one Cohort accepts (ECDSA P-256, RSA of 2048 bits or more). */
        UNSUPPORTED_KEY,
        /** An RSA key shorter than 2048 bits. */
        WEAK_KEY,
        /** A renewal request whose subject does not name the site renewing, or that reuses its current key. */
        WRONG_SUBJECT
    }

    private final Reason reason;

    CertificateRequestRejectedException(Reason reason, String message) {
        this(reason, message, null);
    }

    CertificateRequestRejectedException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
