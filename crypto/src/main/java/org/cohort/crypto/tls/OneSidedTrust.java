package org.cohort.crypto.tls;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A trust manager that checks one side of a connection only: either the server's chain (an
 * agent's trust in the coordinator) or a client's chain (the coordinator's trust in sites). The
 * three JSSE entry points of that side (plain, with the socket, with the engine) all reach
 * {@link #check}, carrying the entry point as a {@link Handshake} so that a delegating check can
 * call the same one on its delegate; those of the other side fail with {@link #wrongSide}.
 */
abstract class OneSidedTrust extends X509ExtendedTrustManager {

    /** Which side of the connection a trust manager checks. */
    enum Side {
        SERVER,
        CLIENT
    }

    /** One of JSSE's entry points for a side, applied to another trust manager. */
    @FunctionalInterface
    interface Handshake {
        void check(X509ExtendedTrustManager manager, X509Certificate[] chain, String authType)
                throws CertificateException;
    }

    private final Side side;

    OneSidedTrust(Side side) {
        this.side = side;
    }

    /** Checks {@code chain}, presented by the peer on this trust manager's side. */
    abstract void check(X509Certificate[] chain, String authType, Handshake handshake) throws CertificateException;

    /** Why a chain from the other side is refused: this trust manager is not meant for it. */
    abstract CertificateException wrongSide();

    private void checkSide(Side presented, X509Certificate[] chain, String authType, Handshake handshake)
            throws CertificateException {
        if (presented != side) {
            throw wrongSide();
        }
        check(chain, authType, handshake);
    }

    @Override
    public final void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        checkSide(Side.SERVER, chain, authType, (m, c, a) -> m.checkServerTrusted(c, a));
    }

    @Override
    public final void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        checkSide(Side.SERVER, chain, authType, (m, c, a) -> m.checkServerTrusted(c, a, socket));
    }

    @Override
    public final void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkSide(Side.SERVER, chain, authType, (m, c, a) -> m.checkServerTrusted(c, a, engine));
    }

    @Override
    public final void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        checkSide(Side.CLIENT, chain, authType, (m, c, a) -> m.checkClientTrusted(c, a));
    }

    @Override
    public final void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        checkSide(Side.CLIENT, chain, authType, (m, c, a) -> m.checkClientTrusted(c, a, socket));
    }

    @Override
    public final void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkSide(Side.CLIENT, chain, authType, (m, c, a) -> m.checkClientTrusted(c, a, engine));
    }
}
