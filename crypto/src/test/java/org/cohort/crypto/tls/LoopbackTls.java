package org.cohort.crypto.tls;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * One TLS 1.3 connection over loopback with real JSSE sockets: the client sends a byte, the
 * server echoes it. Records how each side ended.
 */
final class LoopbackTls {

    enum ClientAuth {
        NONE,
        WANT,
        NEED
    }

    /** How the exchange went; {@code session} is the server's view when its handshake succeeded. */
    record Outcome(Throwable serverError, Throwable clientError, SSLSession serverSession) {
        boolean succeeded() {
            return serverError == null && clientError == null;
        }
    }

    private LoopbackTls() {}

    static Outcome exchange(
            KeyManager[] serverKeys,
            TrustManager[] serverTrust,
            ClientAuth clientAuth,
            KeyManager[] clientKeys,
            TrustManager[] clientTrust,
            String hostNameForClient)
            throws Exception {
        SSLContext server = SSLContext.getInstance("TLSv1.3");
        server.init(serverKeys, serverTrust, null);
        SSLContext client = SSLContext.getInstance("TLSv1.3");
        client.init(clientKeys, clientTrust, null);
        InetAddress loopback = InetAddress.getLoopbackAddress();

        try (SSLServerSocket listener =
                (SSLServerSocket) server.getServerSocketFactory().createServerSocket(0, 1, loopback)) {
            listener.setEnabledProtocols(new String[] {"TLSv1.3"});
            switch (clientAuth) {
                case WANT -> listener.setWantClientAuth(true);
                case NEED -> listener.setNeedClientAuth(true);
                case NONE -> {}
            }
            CompletableFuture<Object[]> serverSide = CompletableFuture.supplyAsync(() -> {
                try (SSLSocket socket = (SSLSocket) listener.accept()) {
                    socket.setSoTimeout(10_000);
                    socket.startHandshake();
                    int b = socket.getInputStream().read();
                    socket.getOutputStream().write(b);
                    socket.getOutputStream().flush();
                    return new Object[] {null, socket.getSession()};
                } catch (Exception e) {
                    return new Object[] {e, null};
                }
            });

            Throwable clientError = null;
            try (Socket plain = new Socket(loopback, listener.getLocalPort());
                    SSLSocket socket = (SSLSocket) client.getSocketFactory()
                            .createSocket(plain, hostNameForClient, listener.getLocalPort(), true)) {
                socket.setSoTimeout(10_000);
                SSLParameters parameters = socket.getSSLParameters();
                parameters.setProtocols(new String[] {"TLSv1.3"});
                // What gRPC's Netty client does: ask the trust manager to check the host name.
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                socket.setSSLParameters(parameters);
                socket.startHandshake();
                socket.getOutputStream().write(42);
                socket.getOutputStream().flush();
                // In TLS 1.3 the client finishes its handshake before the server has judged the client's
                // certificate; a rejection only shows up here, as an alert or a closed connection.
                if (socket.getInputStream().read() != 42) {
                    throw new EOFException("server closed the connection");
                }
            } catch (IOException e) {
                clientError = e;
            }
            Object[] result = serverSide.get(20, TimeUnit.SECONDS);
            return new Outcome((Throwable) result[0], clientError, (SSLSession) result[1]);
        }
    }

    /** True if {@code error} or one of its causes has a message containing {@code text}. */
    static boolean mentions(Throwable error, String text) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains(text)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Client key managers that present their certificate whatever issuers the server asks for, so
     * that a certificate from a foreign CA actually reaches the server's trust manager (the JDK's
     * key manager would otherwise withhold it).
     */
    static KeyManager[] ignoringRequestedIssuers(KeyManager[] managers) {
        X509ExtendedKeyManager delegate = (X509ExtendedKeyManager) managers[0];
        return new KeyManager[] {
            new X509ExtendedKeyManager() {
                @Override
                public String[] getClientAliases(String keyType, Principal[] issuers) {
                    return delegate.getClientAliases(keyType, null);
                }

                @Override
                public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
                    return delegate.chooseClientAlias(keyType, null, socket);
                }

                @Override
                public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
                    return delegate.chooseEngineClientAlias(keyType, null, engine);
                }

                @Override
                public String[] getServerAliases(String keyType, Principal[] issuers) {
                    return delegate.getServerAliases(keyType, issuers);
                }

                @Override
                public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
                    return delegate.chooseServerAlias(keyType, issuers, socket);
                }

                @Override
                public X509Certificate[] getCertificateChain(String alias) {
                    return delegate.getCertificateChain(alias);
                }

                @Override
                public PrivateKey getPrivateKey(String alias) {
                    return delegate.getPrivateKey(alias);
                }
            }
        };
    }
}
