package org.cohort.crypto.pki;

import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Objects;

/**
 * A site certificate the CA has just issued. The coordinator records {@code serial} (to revoke it
 * later) and {@code notAfter} (to prompt re-enrollment) alongside the site.
 */
public record IssuedCertificate(X509Certificate certificate, BigInteger serial, Instant notAfter) {
    public IssuedCertificate {
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(serial, "serial");
        Objects.requireNonNull(notAfter, "notAfter");
    }
}
