package org.cohort.crypto.tls;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.cohort.crypto.internal.Algorithms;
import org.cohort.crypto.tls.PeerCertificateRejectedException.Reason;

/**
 * An agent's trust in the coordinator: the JDK's own PKIX trust manager with our CA as the only
 * anchor. Delegating (rather than checking by hand as on the server side) keeps what the JDK does
 * well: serverAuth usage, algorithm constraints and, when the connection asks for it (gRPC does),
 * host name verification against the certificate's SANs, which JSSE leaves to an
 * {@link X509ExtendedTrustManager} and would otherwise be silently skipped.
 */
final class CoordinatorTrust extends OneSidedTrust {

    private final X509Certificate ca;
    private final X509ExtendedTrustManager pkix;
    private final String caFingerprint;

    CoordinatorTrust(X509Certificate ca) {
        super(Side.SERVER);
        this.ca = ca;
        this.caFingerprint = Algorithms.fingerprint(ca);
        try {
            KeyStore anchors = KeyStore.getInstance("PKCS12");
            anchors.load(null, null);
            anchors.setCertificateEntry("cohort-ca", ca);
            TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
            factory.init(anchors);
            X509ExtendedTrustManager found = null;
            for (TrustManager manager : factory.getTrustManagers()) {
                if (manager instanceof X509ExtendedTrustManager extended) {
                    found = extended;
                }
            }
            if (found == null) {
                throw new IllegalStateException(
                        "The JDK's PKIX TrustManagerFactory returned no X509ExtendedTrustManager");
            }
            this.pkix = found;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("Cannot build a trust manager for the coordinator's CA", e);
        }
    }

    @Override
    void check(X509Certificate[] chain, String authType, Handshake handshake) throws CertificateException {
        try {
            handshake.check(pkix, chain, authType);
        } catch (CertificateException e) {
            throw explain(e);
        }
    }

    private PeerCertificateRejectedException explain(CertificateException e) {
        Reason reason = Reason.UNTRUSTED_ISSUER;
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof CertificateExpiredException) {
                reason = Reason.EXPIRED;
            } else if (cause instanceof CertificateNotYetValidException) {
                reason = Reason.NOT_YET_VALID;
            }
        }
        String detail = String.valueOf(e.getMessage()).replaceAll("\\.+$", "");
        return new PeerCertificateRejectedException(
                reason,
                "The coordinator's TLS certificate is not trusted: "
                        + detail + ". This agent trusts only the CA it enrolled with (" + caFingerprint
                        + ") and the host"
                        + " names in the coordinator's certificate. If the coordinator's CA was replaced, enroll again.",
                e);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[] {ca};
    }

    @Override
    CertificateException wrongSide() {
        return new CertificateException("This trust manager verifies the coordinator; the coordinator checks sites"
                + " with TlsTrust.clientCertificates");
    }
}
