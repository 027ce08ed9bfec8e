package org.cohort.crypto.tls;

import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.util.Objects;
import org.cohort.crypto.internal.Names;

/** Who is on the other end of a TLS connection: the site id (certificate CN) and certificate serial. */
public record PeerIdentity(String siteId, BigInteger serial) {

    public PeerIdentity {
        Objects.requireNonNull(siteId, "siteId");
        Objects.requireNonNull(serial, "serial");
    }

    /**
     * Reads the identity from a certificate. It does not check trust: pass only certificates a
     * trust manager has accepted, e.g. via {@link ClientCertificateTrust#authenticate}.
     *
     * @throws IllegalArgumentException if the subject has no single CN
     */
    public static PeerIdentity of(X509Certificate certificate) {
        return new PeerIdentity(Names.commonNameOf(certificate), certificate.getSerialNumber());
    }

    /** The serial as Cohort prints it (lowercase hex), to match admin tools and logs. */
    public String serialHex() {
        return serial.toString(16);
    }
}
