package org.cohort.crypto.tls;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Objects;
import javax.net.ssl.TrustManager;

/** Trust managers for both ends of Cohort's mutual TLS, in standard JSSE types. */
public final class TlsTrust {

    private TlsTrust() {}

    /**
     * For the coordinator's TLS server: accepts client chains issued by {@code ca}, valid now, with
     * the clientAuth extended key usage, and whose serial {@code revoked} does not report.
     */
    public static TrustManager[] clientCertificates(X509Certificate ca, RevocationCheck revoked) {
        return new TrustManager[] {clientCertificateTrust(ca, revoked, Clock.systemUTC())};
    }

    /**
     * The same trust as {@link #clientCertificates}, as an object the coordinator keeps: pass it to
     * the TLS server as its trust manager and call {@link ClientCertificateTrust#authenticate} on
     * every RPC that needs an enrolled site.
     */
    public static ClientCertificateTrust clientCertificateTrust(
            X509Certificate ca, RevocationCheck revoked, Clock clock) {
        return new ClientCertificateTrust(ca, revoked, clock);
    }

    /**
     * For an enrolled agent: trusts a coordinator whose server certificate chains to {@code ca},
     * carries the serverAuth usage, and (when the TLS client asks for host name checks, as gRPC does)
     * names the host dialled.
     */
    public static TrustManager[] coordinator(X509Certificate ca) {
        return new TrustManager[] {new CoordinatorTrust(Objects.requireNonNull(ca, "ca"))};
    }
}
