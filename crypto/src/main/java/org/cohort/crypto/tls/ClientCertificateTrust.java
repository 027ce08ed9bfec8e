package org.cohort.crypto.tls;

import java.security.GeneralSecurityException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Arrays;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.cohort.crypto.internal.Algorithms;
import org.cohort.crypto.tls.PeerCertificateRejectedException.Reason;

/**
 * The coordinator's trust in site client certificates: issued by the coordinator's own CA, valid
 * now, meant for TLS client authentication, and not revoked.
 *
 * <p>Used twice: as the JSSE trust manager (checks at handshake) and through
 * {@link #authenticate} on every RPC, because the TLS layer runs client auth as optional (so
 * that agents without a certificate can reach enrollment) and because a connection opened before
 * a revocation must not keep working after it.
 *
 * <p>The checks are written out rather than delegated to PKIX path validation: our hierarchy is
 * one CA deep, and each failure needs a message a site admin can act on.
 */
public final class ClientCertificateTrust extends OneSidedTrust {

    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final Set<String> UNDERSTOOD_CRITICAL_EXTENSIONS = Set.of(
            "2.5.29.15" /* keyUsage */,
            "2.5.29.19" /* basicConstraints */,
            "2.5.29.37" /* extKeyUsage */,
            "2.5.29.17" /* subjectAltName */);

    private final X509Certificate ca;
    private final String caFingerprint;
    private final RevocationCheck revocation;
    private final Clock clock;

    ClientCertificateTrust(X509Certificate ca, RevocationCheck revocation, Clock clock) {
        super(Side.CLIENT);
        this.ca = Objects.requireNonNull(ca, "ca");
        this.revocation = Objects.requireNonNull(revocation, "revocation");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.caFingerprint = Algorithms.fingerprint(ca);
    }

    /**
     * The identity of the site on the other end of {@code session}, re-checked now.
     *
     * @throws PeerCertificateRejectedException with reason {@code NO_CERTIFICATE} if the peer sent
     *     no certificate, or the reason its certificate is no longer acceptable (e.g. revoked)
     */
    public PeerIdentity authenticate(SSLSession session) throws PeerCertificateRejectedException {
        Certificate[] presented;
        try {
            presented = session == null ? null : session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            presented = null;
        }
        if (presented == null || presented.length == 0) {
            throw new PeerCertificateRejectedException(
                    Reason.NO_CERTIFICATE,
                    "This call needs an enrolled site, but the connection carries no client certificate. Enroll the site"
                            + " first, then connect with the identity saved at enrollment.");
        }
        X509Certificate[] chain = Arrays.stream(presented)
                .filter(X509Certificate.class::isInstance)
                .map(X509Certificate.class::cast)
                .toArray(X509Certificate[]::new);
        return verify(chain);
    }

    /** Checks a client chain (leaf first) and returns who it belongs to. */
    public PeerIdentity verify(X509Certificate[] chain) throws PeerCertificateRejectedException {
        if (chain == null || chain.length == 0) {
            throw new PeerCertificateRejectedException(
                    Reason.NO_CERTIFICATE,
                    "The site presented no client certificate. Enroll the site first, then connect with its identity.");
        }
        X509Certificate leaf = chain[0];
        String who = "site certificate " + leaf.getSubjectX500Principal().getName() + " (serial "
                + leaf.getSerialNumber().toString(16) + ")";
        checkIssuedByOurCa(leaf, who);
        checkValidNow(leaf, who);
        checkPurpose(leaf, who);
        checkNotRevoked(leaf);
        try {
            return PeerIdentity.of(leaf);
        } catch (IllegalArgumentException e) {
            throw new PeerCertificateRejectedException(
                    Reason.WRONG_PURPOSE, who + " names no site: " + e.getMessage(), e);
        }
    }

    private void checkIssuedByOurCa(X509Certificate leaf, String who) throws PeerCertificateRejectedException {
        boolean issuedByUs = leaf.getIssuerX500Principal().equals(ca.getSubjectX500Principal());
        if (issuedByUs) {
            try {
                leaf.verify(ca.getPublicKey());
            } catch (GeneralSecurityException | RuntimeException e) {
                issuedByUs = false;
            }
        }
        if (!issuedByUs) {
            throw new PeerCertificateRejectedException(
                    Reason.UNTRUSTED_ISSUER,
                    who + " was not issued by this coordinator's CA (" + caFingerprint
                            + "). The site must enroll with this" + " coordinator to get a certificate it accepts.");
        }
    }

    private void checkValidNow(X509Certificate leaf, String who) throws PeerCertificateRejectedException {
        Date now = Date.from(clock.instant());
        try {
            ca.checkValidity(now);
        } catch (CertificateExpiredException | CertificateNotYetValidException e) {
            throw new PeerCertificateRejectedException(
                    e instanceof CertificateExpiredException ? Reason.EXPIRED : Reason.NOT_YET_VALID,
                    "The coordinator's own CA certificate is not valid now (valid "
                            + ca.getNotBefore().toInstant() + " to "
                            + ca.getNotAfter().toInstant()
                            + "). Check the coordinator's clock; if the CA expired, a new CA and"
                            + " re-enrollment of every site are needed.",
                    e);
        }
        try {
            leaf.checkValidity(now);
        } catch (CertificateExpiredException e) {
            throw new PeerCertificateRejectedException(
                    Reason.EXPIRED,
                    who + " expired at " + leaf.getNotAfter().toInstant()
                            + ". Ask the coordinator admin for a new enrollment token and enroll again.",
                    e);
        } catch (CertificateNotYetValidException e) {
            throw new PeerCertificateRejectedException(
                    Reason.NOT_YET_VALID,
                    who + " is not valid before " + leaf.getNotBefore().toInstant()
                            + ". Check the clocks of the site and the coordinator.",
                    e);
        }
    }

    private static void checkPurpose(X509Certificate leaf, String who) throws PeerCertificateRejectedException {
        Set<String> critical =
                leaf.getCriticalExtensionOIDs() == null ? Set.of() : new HashSet<>(leaf.getCriticalExtensionOIDs());
        critical.removeAll(UNDERSTOOD_CRITICAL_EXTENSIONS);
        boolean[] keyUsage = leaf.getKeyUsage();
        List<String> extendedKeyUsage;
        try {
            extendedKeyUsage = leaf.getExtendedKeyUsage();
        } catch (CertificateParsingException e) {
            extendedKeyUsage = null;
        }
        boolean ok = critical.isEmpty()
                && leaf.getBasicConstraints() == -1
                && (keyUsage == null || keyUsage[0])
                && extendedKeyUsage != null
                && extendedKeyUsage.contains(CLIENT_AUTH);
        if (!ok) {
            throw new PeerCertificateRejectedException(
                    Reason.WRONG_PURPOSE,
                    who + " is not a site client certificate"
                            + " (it lacks TLS client authentication usage). Connect with the identity saved at enrollment.");
        }
    }

    private void checkNotRevoked(X509Certificate leaf) throws PeerCertificateRejectedException {
        boolean revoked;
        try {
            revoked = revocation.isRevoked(leaf.getSerialNumber());
        } catch (RuntimeException e) {
            // Fail closed: if revocation cannot be checked, a revoked site must not slip through.
            throw new PeerCertificateRejectedException(
                    Reason.REVOKED,
                    "Could not check whether certificate serial "
                            + leaf.getSerialNumber().toString(16) + " is revoked (" + e
                            + "); refusing it until the check works.",
                    e);
        }
        if (revoked) {
            throw new PeerCertificateRejectedException(
                    Reason.REVOKED,
                    "Certificate serial "
                            + leaf.getSerialNumber().toString(16) + " ("
                            + leaf.getSubjectX500Principal().getName()
                            + ") was revoked by the coordinator admin. Ask the admin whether the site should enroll again.");
        }
    }

    @Override
    void check(X509Certificate[] chain, String authType, Handshake handshake) throws CertificateException {
        verify(chain);
    }

    /** Our CA only: JSSE sends it to clients as the acceptable issuer. */
    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[] {ca};
    }

    @Override
    CertificateException wrongSide() {
        return new CertificateException(
                "ClientCertificateTrust only checks site client certificates on the coordinator;"
                        + " agents verify the coordinator with TlsTrust.coordinator or PinnedCaTrust");
    }
}
