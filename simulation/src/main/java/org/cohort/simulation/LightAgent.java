package org.cohort.simulation;

import com.google.protobuf.ByteString;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.cohort.crypto.pki.SiteIdentity;
import org.cohort.crypto.pki.SiteKeys;
import org.cohort.crypto.tls.PinnedCaTrust;
import org.cohort.crypto.tls.TlsTrust;
import org.cohort.protocol.ProtocolLimits;
import org.cohort.protocol.v1.AgentMessage;
import org.cohort.protocol.v1.AgentState;
import org.cohort.protocol.v1.CoordinatorMessage;
import org.cohort.protocol.v1.EnrollRequest;
import org.cohort.protocol.v1.EnrollmentGrpc;
import org.cohort.protocol.v1.Heartbeat;
import org.cohort.protocol.v1.Hello;
import org.cohort.protocol.v1.SessionGrpc;
import org.cohort.protocol.v1.Welcome;

/**
 * A simulated site agent that does what the real one does minus the learning: it enrolls with a
 * one-time token (fresh keys, a real CSR, the coordinator CA pinned by fingerprint), opens the
 * session stream with mutual TLS under the issued certificate, says hello, and sends heartbeats
 * at the interval the coordinator's welcome asks for, timing each one until its acknowledgement
 * comes back. It ignores round tasks.
 *
 * <p>Every agent needs its own channel (its own client certificate), but many agents share one
 * {@link Shared}: one Netty event loop group, one timer thread for all heartbeats and virtual
 * threads for gRPC callbacks, so a thousand agents cost a few threads, not thousands.
 */
public final class LightAgent implements AutoCloseable {
    public static final String VERSION = "light-agent";

    /** One heartbeat: when it was sent ({@link System#nanoTime}) and its round trip, or -1 while unacknowledged. */
    public record HeartbeatTiming(long sequence, long sentAtNanos, long roundTripNanos) {
        public boolean acknowledged() {
            return roundTripNanos >= 0;
        }
    }

    /** What many agents share. Close it after the agents. */
    public static final class Shared implements AutoCloseable {
        private final EventLoopGroup eventLoops;
        private final ExecutorService callbacks = Executors.newVirtualThreadPerTaskExecutor();
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("light-agent-heartbeats").daemon().factory());

        /** @param eventLoopThreads Netty I/O threads for all agents' connections */
        public Shared(int eventLoopThreads) {
            eventLoops = new MultiThreadIoEventLoopGroup(
                    eventLoopThreads, new DefaultThreadFactory("light-agent-io", true), NioIoHandler.newFactory());
        }

        NettyChannelBuilder channel(String address, ChannelCredentials credentials) {
            return NettyChannelBuilder.forTarget(address, credentials)
                    .eventLoopGroup(eventLoops)
                    .channelType(NioSocketChannel.class)
                    .executor(callbacks)
                    .maxInboundMessageSize(ProtocolLimits.MAX_MESSAGE_BYTES);
        }

        @Override
        public void close() {
            timer.shutdownNow();
            callbacks.shutdownNow();
            eventLoops.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private final Shared shared;
    private final String address;
    private final SiteIdentity identity;
    private final CompletableFuture<Welcome> welcome = new CompletableFuture<>();
    private final CompletableFuture<Status> ended = new CompletableFuture<>();
    private long[] sentAt = new long[16];
    private long[] roundTrip = new long[16];
    private int heartbeatsSent;
    private ManagedChannel channel;
    private StreamObserver<AgentMessage> outbound;
    private ScheduledFuture<?> heartbeats;
    private boolean closed;

    private LightAgent(Shared shared, String address, SiteIdentity identity) {
        this.shared = shared;
        this.address = address;
        this.identity = identity;
    }

    /**
     * Enrolls as the real agent does: generates keys, sends a CSR with the token over TLS that
     * trusts the coordinator only if its CA has the pinned fingerprint, and checks the answer.
     * Blocks until the coordinator answers (call it from a virtual thread to enroll many at once).
     */
    public static LightAgent enroll(
            Shared shared, String address, String caFingerprint, String token, String siteName) {
        SiteKeys keys = SiteKeys.generate();
        var pinned = PinnedCaTrust.forFingerprint(caFingerprint);
        ManagedChannel channel = shared.channel(
                        address,
                        TlsChannelCredentials.newBuilder().trustManager(pinned).build())
                .build();
        try {
            var response = EnrollmentGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(60, TimeUnit.SECONDS)
                    .enroll(EnrollRequest.newBuilder()
                            .setToken(token)
                            .setCertificateRequest(ByteString.copyFrom(keys.certificateRequest(siteName)))
                            .setUpdateSigningPublicKey(ByteString.copyFrom(keys.updateSigningPublicKey()))
                            .setAgentVersion(VERSION)
                            .build());
            X509Certificate ca = certificate(response.getCaCertificate());
            if (!pinned.observedCa().map(ca::equals).orElse(false)) {
                throw new IllegalStateException("coordinator returned a CA that differs from the pinned one");
            }
            return new LightAgent(
                    shared, address, SiteIdentity.create(keys, certificate(response.getCertificate()), ca));
        } finally {
            channel.shutdownNow();
        }
    }

    public String siteId() {
        return identity.siteId();
    }

    /**
     * Opens the session with mutual TLS and says hello. Heartbeats start when the welcome arrives,
     * at a random phase within the first interval, every {@code heartbeatEvery} (null: the
     * interval the coordinator's welcome asks for).
     *
     * @return completes with the coordinator's welcome, or exceptionally if the session fails first
     */
    public CompletableFuture<Welcome> connect(Set<String> acceptedStudies, Duration heartbeatEvery) {
        var credentials = TlsChannelCredentials.newBuilder()
                .keyManager(identity.keyManagers())
                .trustManager(TlsTrust.coordinator(identity.caCertificate()))
                .build();
        synchronized (this) {
            if (closed || channel != null) {
                throw new IllegalStateException("connect() may be called once, before close()");
            }
            channel = shared.channel(address, credentials)
                    .keepAliveTime(ProtocolLimits.CLIENT_KEEPALIVE_TIME.toSeconds(), TimeUnit.SECONDS)
                    .keepAliveTimeout(ProtocolLimits.KEEPALIVE_TIMEOUT.toSeconds(), TimeUnit.SECONDS)
                    .keepAliveWithoutCalls(true)
                    .build();
            outbound = SessionGrpc.newStub(channel).connect(new Inbound(heartbeatEvery));
            var hello = Hello.newBuilder().setAgentVersion(VERSION).setCompute("none");
            // A light agent never trains: it declares the smallest training size for what it accepts.
            acceptedStudies.forEach(id -> hello.addAcceptedStudies(org.cohort.protocol.v1.StudyAcceptance.newBuilder()
                    .setStudyId(id)
                    .setTrainingExamples(1)));
            outbound.onNext(AgentMessage.newBuilder().setHello(hello).build());
        }
        return welcome;
    }

    /** Completes when the coordinator ends the session (or it fails), with the status. */
    public CompletableFuture<Status> ended() {
        return ended;
    }

    private final class Inbound implements StreamObserver<CoordinatorMessage> {
        private final Duration heartbeatEvery;

        Inbound(Duration heartbeatEvery) {
            this.heartbeatEvery = heartbeatEvery;
        }

        @Override
        public void onNext(CoordinatorMessage message) {
            switch (message.getKindCase()) {
                case WELCOME -> {
                    long period = heartbeatEvery != null
                            ? heartbeatEvery.toMillis()
                            : message.getWelcome().getHeartbeatIntervalMillis();
                    startHeartbeats(Math.max(1, period));
                    welcome.complete(message.getWelcome());
                }
                case HEARTBEAT_ACK -> acknowledged(message.getHeartbeatAck().getSequence(), System.nanoTime());
                default -> {} // round tasks and the rest: this agent does not learn
            }
        }

        @Override
        public void onError(Throwable t) {
            stopHeartbeats();
            welcome.completeExceptionally(t);
            ended.complete(Status.fromThrowable(t));
        }

        @Override
        public void onCompleted() {
            stopHeartbeats();
            welcome.completeExceptionally(new IllegalStateException("session ended before the welcome"));
            ended.complete(Status.OK);
        }
    }

    private synchronized void startHeartbeats(long periodMillis) {
        if (!closed) {
            heartbeats = shared.timer.scheduleAtFixedRate(
                    this::heartbeat,
                    ThreadLocalRandom.current().nextLong(periodMillis),
                    periodMillis,
                    TimeUnit.MILLISECONDS);
        }
    }

    private synchronized void heartbeat() {
        if (closed || outbound == null) {
            return;
        }
        if (heartbeatsSent == sentAt.length) {
            sentAt = Arrays.copyOf(sentAt, sentAt.length * 2);
            roundTrip = Arrays.copyOf(roundTrip, roundTrip.length * 2);
        }
        long sequence = heartbeatsSent + 1L;
        sentAt[heartbeatsSent] = System.nanoTime();
        roundTrip[heartbeatsSent] = -1;
        heartbeatsSent++;
        try {
            outbound.onNext(AgentMessage.newBuilder()
                    .setHeartbeat(Heartbeat.newBuilder().setSequence(sequence).setState(AgentState.IDLE))
                    .build());
        } catch (RuntimeException e) {
            // the stream is closing; onError will say why
        }
    }

    private synchronized void acknowledged(long sequence, long nowNanos) {
        int i = (int) sequence - 1;
        if (i >= 0 && i < heartbeatsSent && roundTrip[i] < 0) {
            roundTrip[i] = nowNanos - sentAt[i];
        }
    }

    /** Stops sending heartbeats; acknowledgements of those in flight are still recorded. */
    public synchronized void stopHeartbeats() {
        if (heartbeats != null) {
            heartbeats.cancel(false);
        }
    }

    /** Every heartbeat sent so far, in order. */
    public synchronized List<HeartbeatTiming> heartbeats() {
        var all = new ArrayList<HeartbeatTiming>(heartbeatsSent);
        for (int i = 0; i < heartbeatsSent; i++) {
            all.add(new HeartbeatTiming(i + 1L, sentAt[i], roundTrip[i]));
        }
        return all;
    }

    /** Ends the session as the real agent does on shutdown (half-close, then close the channel). */
    @Override
    public void close() {
        ManagedChannel c;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            stopHeartbeats();
            if (outbound != null) {
                try {
                    outbound.onCompleted();
                } catch (RuntimeException ignored) {
                    // already closed
                }
            }
            c = channel;
        }
        if (c != null) {
            c.shutdown();
        }
    }

    /** Waits up to {@code timeout} for the channel to finish closing, then forces it. */
    public void awaitClosed(Duration timeout) throws InterruptedException {
        ManagedChannel c;
        synchronized (this) {
            c = channel;
        }
        if (c != null && !c.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            c.shutdownNow();
        }
    }

    private static X509Certificate certificate(ByteString der) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der.toByteArray()));
        } catch (CertificateException e) {
            throw new IllegalStateException("coordinator sent a malformed certificate", e);
        }
    }
}
