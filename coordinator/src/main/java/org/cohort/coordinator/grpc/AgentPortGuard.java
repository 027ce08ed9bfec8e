package org.cohort.coordinator.grpc;

import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelFactory;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslHandler;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.cohort.crypto.tls.PeerCertificateRejectedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Guards the agent port below gRPC, on each TCP connection as it is accepted: refuses a remote
 * address that already holds {@link AgentPortLimits#maxConnectionsPerAddress} connections, closes
 * a connection that carries no client certificate once {@link AgentPortLimits#unauthenticatedLifetime}
 * has passed, and logs each refused TLS handshake with the peer's address and the reason (within a
 * {@link LogBudget}, so a flood cannot fill the disk).
 *
 * <p>It works through the server channel the gRPC server is built with ({@link #channelFactory}):
 * a handler on the listening socket sees every accepted connection before gRPC does, and puts a
 * watcher at the head of the connection's pipeline.
 */
final class AgentPortGuard {
    private static final Logger log = LoggerFactory.getLogger(AgentPortGuard.class);
    /**
     * Lines about refused or closed connections per minute: enough to see who and why during an
     * incident, while a flood of thousands of handshakes a second writes 20 lines and a count.
     */
    static final int LOG_LINES_PER_MINUTE = 20;
    /** Characters of a handshake failure's message worth a log line. */
    private static final int MAX_REASON = 200;

    private final AgentPortLimits limits;
    private final Map<InetAddress, Integer> open = new ConcurrentHashMap<>();
    private final LogBudget budget = new LogBudget(LOG_LINES_PER_MINUTE, Duration.ofMinutes(1), System::nanoTime);

    AgentPortGuard(AgentPortLimits limits) {
        this.limits = limits;
    }

    /** The listening socket to build the gRPC server with (NIO, with the guard on it). */
    ChannelFactory<ServerChannel> channelFactory() {
        return GuardedServerChannel::new;
    }

    /** Connections open now from {@code address}. */
    int openFrom(InetAddress address) {
        return open.getOrDefault(address, 0);
    }

    private boolean reserve(InetAddress address) {
        boolean[] granted = {false};
        open.compute(address, (a, n) -> {
            int now = n == null ? 0 : n;
            granted[0] = now < limits.maxConnectionsPerAddress();
            return granted[0] ? now + 1 : n;
        });
        return granted[0];
    }

    private void release(InetAddress address) {
        open.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
    }

    private final class GuardedServerChannel extends NioServerSocketChannel {
        GuardedServerChannel() {
            pipeline().addLast(new Acceptor());
        }
    }

    /** On the listening socket: sees each accepted connection before gRPC sets it up. */
    private final class Acceptor extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Channel child = (Channel) msg;
            InetSocketAddress peer = (InetSocketAddress) child.remoteAddress();
            if (peer == null) { // closed before it was accepted
                child.unsafe().closeForcibly();
                return;
            }
            InetAddress address = peer.getAddress();
            if (!reserve(address)) {
                warn(
                        "refused a connection from {}: that address already holds {} connections to the agent port"
                                + " (cohort.coordinator.agent-port.max-connections-per-address)",
                        peer,
                        limits.maxConnectionsPerAddress());
                child.unsafe().closeForcibly();
                return;
            }
            child.closeFuture().addListener(f -> release(address));
            child.pipeline().addLast(new ConnectionWatch(peer));
            ctx.fireChannelRead(child);
        }
    }

    /** At the head of one connection's pipeline. */
    private final class ConnectionWatch extends ChannelInboundHandlerAdapter {
        private final InetSocketAddress peer;

        ConnectionWatch(InetSocketAddress peer) {
            this.peer = peer;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.fireChannelActive(); // gRPC's TLS negotiation puts its SslHandler in place on this event
            SslHandler ssl = ctx.pipeline().get(SslHandler.class);
            if (ssl != null) {
                ssl.handshakeFuture().addListener(f -> {
                    if (!f.isSuccess()) {
                        refusedHandshake(f.cause());
                    }
                });
            }
            ctx.executor()
                    .schedule(
                            () -> closeIfUnauthenticated(ctx),
                            limits.unauthenticatedLifetime().toMillis(),
                            TimeUnit.MILLISECONDS);
        }

        private void refusedHandshake(Throwable cause) {
            if (isClosedBeforeHandshake(cause)) {
                // Port scanners, TCP health checks and clients that gave up: not worth a warning each.
                log.debug("connection from {} closed before its TLS handshake finished", peer);
                return;
            }
            warn("refused the TLS handshake of {}: {}", peer, reason(cause));
        }

        private void closeIfUnauthenticated(ChannelHandlerContext ctx) {
            if (!ctx.channel().isOpen()) {
                return;
            }
            SslHandler ssl = ctx.pipeline().get(SslHandler.class);
            if (ssl != null && ssl.handshakeFuture().isSuccess()) {
                try {
                    ssl.engine().getSession().getPeerCertificates();
                    return; // an enrolled site (the call interceptor checks it is still in good standing)
                } catch (SSLPeerUnverifiedException e) {
                    // no client certificate: this connection could only enroll, and has had time to
                }
            }
            info(
                    "closed the connection from {}: it carries no client certificate and has been open {} s"
                            + " (cohort.coordinator.agent-port.unauthenticated-lifetime); enrolling takes one short call",
                    peer,
                    limits.unauthenticatedLifetime().toSeconds());
            ctx.close();
        }
    }

    private static boolean isClosedBeforeHandshake(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof ClosedChannelException) {
                return true;
            }
        }
        return false;
    }

    /** The most telling reason in a handshake failure: the trust manager's own words when it refused the certificate. */
    static String reason(Throwable cause) {
        Throwable deepest = cause;
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof PeerCertificateRejectedException rejected) {
                return "client certificate refused (" + rejected.reason() + "): " + rejected.getMessage();
            }
            deepest = t;
        }
        String message = deepest.getMessage();
        if (message != null && message.length() > MAX_REASON) { // e.g. a hex dump of whatever a stranger sent
            message = message.substring(0, MAX_REASON) + "…";
        }
        return deepest.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    private void warn(String format, Object... args) {
        long left = budget.tryAcquire();
        if (left >= 0) {
            log.warn(format + suffix(left), args);
        }
    }

    private void info(String format, Object... args) {
        long left = budget.tryAcquire();
        if (left >= 0) {
            log.info(format + suffix(left), args);
        }
    }

    private static String suffix(long left) {
        return left == 0 ? "" : " (" + left + " such lines left out since the last one logged)";
    }
}
