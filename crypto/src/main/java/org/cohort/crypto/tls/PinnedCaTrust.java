package org.cohort.crypto.tls;

import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.TrustManager;
import org.cohort.crypto.internal.Algorithms;
import org.cohort.crypto.tls.PeerCertificateRejectedException.Reason;

/**
 * An agent's trust in the coordinator at first enrollment, before it has the CA certificate: the
 * site admin was given the CA's fingerprint ({@code sha256:…}) out of band, and the coordinator
 * sends its CA certificate in the handshake. A server chain is trusted only if it contains a
 * self-signed CA certificate with exactly that fingerprint and the server certificate is valid
 * under that CA (same checks as {@link TlsTrust#coordinator}). The CA seen is kept so that the
 * agent can save it for later connections.
 */
public final class PinnedCaTrust extends OneSidedTrust {

    private final String pin;
    private final AtomicReference<X509Certificate> observedCa = new AtomicReference<>();

    private PinnedCaTrust(String pin) {
        super(Side.SERVER);
        this.pin = pin;
    }

    /**
     * @param pin the CA fingerprint as the coordinator prints it, {@code sha256:<64 hex digits>}
     *     (case and colons are forgiven)
     * @throws IllegalArgumentException if the pin is not a SHA-256 fingerprint
     */
    public static PinnedCaTrust forFingerprint(String pin) {
        return new PinnedCaTrust(Algorithms.normaliseFingerprint(pin));
    }

    public TrustManager[] trustManagers() {
        return new TrustManager[] {this};
    }

    public String pin() {
        return pin;
    }

    /** The pinned CA certificate, once a handshake has accepted a chain that contains it. */
    public Optional<X509Certificate> observedCa() {
        return Optional.ofNullable(observedCa.get());
    }

    @Override
    void check(X509Certificate[] chain, String authType, Handshake handshake) throws CertificateException {
        X509Certificate ca = pinnedCa(chain);
        handshake.check(new CoordinatorTrust(ca), chain, authType);
        observedCa.set(ca);
    }

    private X509Certificate pinnedCa(X509Certificate[] chain) throws PeerCertificateRejectedException {
        List<String> seen = new ArrayList<>();
        for (X509Certificate candidate : chain == null ? new X509Certificate[0] : chain) {
            String fingerprint = Algorithms.fingerprint(candidate);
            if (fingerprint.equals(pin) && isSelfSignedCa(candidate)) {
                return candidate;
            }
            if (candidate.getBasicConstraints() >= 0) {
                seen.add(fingerprint);
            }
        }
        throw new PeerCertificateRejectedException(
                Reason.UNTRUSTED_ISSUER,
                "The coordinator presented "
                        + (seen.isEmpty() ? "no CA certificate" : "CA certificate " + String.join(", ", seen))
                        + ", which does not match the pinned " + pin
                        + ". Do not continue: confirm the fingerprint with the"
                        + " coordinator admin (the coordinator prints it at start). A mismatch can mean the connection is being"
                        + " intercepted, or that you are dialling a different coordinator.");
    }

    private static boolean isSelfSignedCa(X509Certificate certificate) {
        if (certificate.getBasicConstraints() < 0
                || !certificate.getSubjectX500Principal().equals(certificate.getIssuerX500Principal())) {
            return false;
        }
        try {
            certificate.verify(certificate.getPublicKey());
            return true;
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /** Unknown until the handshake: the whole point is that the agent does not have the CA yet. */
    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }

    @Override
    CertificateException wrongSide() {
        return new CertificateException("PinnedCaTrust only verifies the coordinator during enrollment");
    }
}
