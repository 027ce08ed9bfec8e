package org.cohort.crypto.pki;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManager;

/**
 * The coordinator's TLS server credentials: an ECDSA P-256 key and a certificate issued by the
 * coordinator's CA. The chain presented in handshakes is [server certificate, CA certificate]:
 * agents enrolling for the first time need the CA certificate in the handshake to check it
 * against their fingerprint pin.
 */
public final class ServerIdentity {

    private final PrivateKey privateKey;
    private final List<X509Certificate> chain;
    private final List<String> subjectAlternativeNames;

    ServerIdentity(PrivateKey privateKey, List<X509Certificate> chain) {
        this.privateKey = privateKey;
        this.chain = List.copyOf(chain);
        this.subjectAlternativeNames = SubjectAlternativeNames.of(chain.get(0)).asList();
    }

    /** For gRPC's {@code TlsServerCredentials.newBuilder().keyManager(...)} or an {@code SSLContext}. */
    public KeyManager[] keyManagers() {
        return Pkcs12Files.keyManagers(privateKey, chain);
    }

    public X509Certificate certificate() {
        return chain.get(0);
    }

    /** [server certificate, CA certificate]. */
    public List<X509Certificate> certificateChain() {
        return chain;
    }

    /** The DNS names and IP addresses the certificate is valid for, normalised. */
    public List<String> subjectAlternativeNames() {
        return subjectAlternativeNames;
    }

    @Override
    public String toString() {
        return "ServerIdentity" + subjectAlternativeNames;
    }
}
