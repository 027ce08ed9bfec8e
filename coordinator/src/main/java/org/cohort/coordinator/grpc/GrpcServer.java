package org.cohort.coordinator.grpc;

import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.cohort.coordinator.config.CoordinatorProperties;
import org.cohort.coordinator.site.SiteRepository;
import org.cohort.crypto.pki.ServerIdentity;
import org.cohort.crypto.pki.SiteCertificateAuthority;
import org.cohort.crypto.tls.TlsTrust;
import org.cohort.protocol.ProtocolLimits;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The port agents dial: gRPC over TLS 1.3. Client certificates are optional at the TLS
 * layer only so that a new agent can enroll; {@link SiteAuthInterceptor} demands one for
 * every other call, and the trust manager refuses certificates from other CAs or revoked
 * serials during the handshake.
 *
 * <p>Connections are bounded ({@link AgentPortLimits}): a handshake must finish quickly, idle
 * connections are closed, every connection is renewed now and then, one without a client
 * certificate lives only long enough to enroll, and one address may hold only so many
 * ({@link AgentPortGuard}, which also logs refused handshakes).
 */
@Component
public class GrpcServer implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(GrpcServer.class);
    /** Concurrent calls on one connection: an agent needs four or five (session, download, upload, ledger). */
    static final int MAX_CALLS_PER_CONNECTION = 32;

    private final CoordinatorProperties props;
    private final ServerIdentity identity;
    private final SiteCertificateAuthority ca;
    private final SiteRepository sites;
    private final EnrollmentService enrollment;
    private final SessionService session;
    private final ModelService models;
    private final UpdateService updates;
    private final LedgerService ledger;
    private final StudyOfferService offers;
    private final CertificateRenewalService renewal;
    private volatile Server server;
    private volatile AgentPortGuard guard;
    private volatile EventLoopGroup boss;
    private volatile EventLoopGroup workers;

    public GrpcServer(
            CoordinatorProperties props,
            ServerIdentity identity,
            SiteCertificateAuthority ca,
            SiteRepository sites,
            EnrollmentService enrollment,
            SessionService session,
            ModelService models,
            UpdateService updates,
            LedgerService ledger,
            StudyOfferService offers,
            CertificateRenewalService renewal) {
        this.renewal = renewal;
        this.ledger = ledger;
        this.offers = offers;
        this.props = props;
        this.identity = identity;
        this.ca = ca;
        this.sites = sites;
        this.enrollment = enrollment;
        this.session = session;
        this.models = models;
        this.updates = updates;
    }

    private final io.grpc.protobuf.services.HealthStatusManager health =
            new io.grpc.protobuf.services.HealthStatusManager();

    @Override
    public void start() {
        var credentials = TlsServerCredentials.newBuilder()
                .keyManager(identity.keyManagers())
                .trustManager(TlsTrust.clientCertificates(ca.caCertificate(), sites::isRevoked))
                .clientAuth(TlsServerCredentials.ClientAuth.OPTIONAL)
                .build();
        var auth = new SiteAuthInterceptor(sites);
        AgentPortLimits limits = AgentPortLimits.from(props.agentPort());
        guard = new AgentPortGuard(limits);
        // The guard needs its own (NIO) listening socket, and gRPC then needs event loops of that kind.
        boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        workers = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());
        server = NettyServerBuilder.forAddress(
                        new InetSocketAddress(props.grpcAddress(), props.grpcPort()), credentials)
                .channelFactory(guard.channelFactory())
                .bossEventLoopGroup(boss)
                .workerEventLoopGroup(workers)
                .maxInboundMessageSize(ProtocolLimits.MAX_MESSAGE_BYTES)
                // An agent holds a few calls at once (session, download, upload, ledger); more is not an agent.
                .maxConcurrentCallsPerConnection(MAX_CALLS_PER_CONNECTION)
                // Agents ping every CLIENT_KEEPALIVE_TIME; faster pings get GOAWAY. An agent always has its
                // session call open, so pings on a connection without calls come from something else.
                .permitKeepAliveTime(ProtocolLimits.PERMIT_KEEPALIVE_TIME.toSeconds(), TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(false)
                .keepAliveTime(ProtocolLimits.CLIENT_KEEPALIVE_TIME.toSeconds(), TimeUnit.SECONDS)
                .keepAliveTimeout(ProtocolLimits.KEEPALIVE_TIMEOUT.toSeconds(), TimeUnit.SECONDS)
                .handshakeTimeout(limits.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .maxConnectionIdle(limits.maxConnectionIdle().toMillis(), TimeUnit.MILLISECONDS)
                .maxConnectionAge(limits.maxConnectionAge().toMillis(), TimeUnit.MILLISECONDS)
                .maxConnectionAgeGrace(limits.maxConnectionAgeGrace().toMillis(), TimeUnit.MILLISECONDS)
                .addService(StrictRequests.of(ServerInterceptors.intercept(enrollment, auth)))
                .addService(StrictRequests.of(ServerInterceptors.intercept(session, auth)))
                .addService(StrictRequests.of(ServerInterceptors.intercept(models, auth)))
                .addService(StrictRequests.of(ServerInterceptors.intercept(updates, auth)))
                .addService(StrictRequests.of(ServerInterceptors.intercept(ledger, auth)))
                .addService(StrictRequests.of(ServerInterceptors.intercept(offers, auth)))
                .addService(StrictRequests.of(ServerInterceptors.intercept(renewal, auth)))
                // The standard health service, without a client certificate (a load balancer has none):
                // it says SERVING or NOT_SERVING, nothing else.
                .addService(StrictRequests.of(health.getHealthService().bindService()))
                .build();
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "could not open the agent port " + props.grpcAddress() + ":" + props.grpcPort()
                            + " (is another coordinator running? set cohort.coordinator.grpc-port)",
                    e);
        }
        health.setStatus("", io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
        log.info(
                "agent port (gRPC, mutual TLS) listening on {}:{}; CA fingerprint {}",
                props.grpcAddress(),
                port(),
                ca.caFingerprint());
    }

    /** Connections to the agent port open now from {@code address}. */
    public int openConnectionsFrom(java.net.InetAddress address) {
        return guard.openFrom(address);
    }

    /**
     * The bound port (useful when configured as 0); {@link AgentPortNotOpen} while the coordinator
     * is still starting (REST answers before the agent port opens), which the API turns into a 503.
     */
    public int port() {
        Server s = server;
        if (s == null) {
            throw new AgentPortNotOpen();
        }
        return s.getPort();
    }

    /** The agent port has not opened yet: the coordinator is starting, so asking again shortly works. */
    public static final class AgentPortNotOpen extends IllegalStateException {
        AgentPortNotOpen() {
            super("the agent port is not open yet (the coordinator is still starting); retry in a few seconds,"
                    + " or wait for /actuator/health/readiness to say UP");
        }
    }

    @Override
    public void stop() {
        health.enterTerminalState(); // NOT_SERVING first, so balancers drain before the port closes
        Server s = server;
        if (s != null) {
            s.shutdown();
            try {
                if (!s.awaitTermination(5, TimeUnit.SECONDS)) {
                    s.shutdownNow();
                }
            } catch (InterruptedException e) {
                s.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
        for (EventLoopGroup group : new EventLoopGroup[] {boss, workers}) {
            if (group != null) {
                group.shutdownGracefully(0, 5, TimeUnit.SECONDS);
            }
        }
    }

    @Override
    public boolean isRunning() {
        return server != null && !server.isShutdown();
    }
}
