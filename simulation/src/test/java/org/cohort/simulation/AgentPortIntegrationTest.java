package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.cohort.agent.TlsRefusal;
import org.cohort.coordinator.grpc.GrpcServer;
import org.cohort.protocol.v1.EnrollRequest;
import org.cohort.protocol.v1.EnrollResponse;
import org.cohort.protocol.v1.EnrollmentGrpc;
import org.cohort.protocol.v1.ModelRequest;
import org.cohort.protocol.v1.ModelsGrpc;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The agent port keeps no connection nobody needs: one address holds only so many, a socket
 * that never finishes its handshake is closed, an idle connection without a certificate that
 * answers pings is closed, and so is one that holds an enrollment call open; an enrolled site's
 * session is left alone. Refused handshakes are logged with the peer and the reason, within a
 * budget, and the site learns what to do. The limits are lowered to seconds for the test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AgentPortIntegrationTest {
    private static final int PER_ADDRESS = 5;
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private TestFederation fed;
    private InetAddress loopback;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        fed = new TestFederation(
                dir,
                1,
                "--cohort.coordinator.agent-port.handshake-timeout=2s",
                "--cohort.coordinator.agent-port.max-connection-idle=2s",
                "--cohort.coordinator.agent-port.unauthenticated-lifetime=3s",
                "--cohort.coordinator.agent-port.max-connections-per-address=" + PER_ADDRESS);
        loopback = InetAddress.getByName("127.0.0.1");
        var logger =
                (ch.qos.logback.classic.Logger) LoggerFactory.getLogger("org.cohort.coordinator.grpc.AgentPortGuard");
        logger.addAppender(logged);
        logged.start();
    }

    @AfterAll
    void stop() {
        fed.close();
    }

    private int held() {
        return fed.coordinator.bean(GrpcServer.class).openConnectionsFrom(loopback);
    }

    private ManagedChannel anonymousChannel() {
        return fed.anonymousChannel();
    }

    private RogueSite enroll(String name) throws Exception {
        return fed.enrollRogue(name);
    }

    private void awaitHeld(int expected, long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (held() != expected && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertThat(held()).as("connections held from loopback").isEqualTo(expected);
    }

    @Test
    void oneAddressHoldsOnlySoManyConnectionsAndSilentOnesAreClosed() throws Exception {
        awaitHeld(0, 10_000);
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < 3 * PER_ADDRESS; i++) {
                sockets.add(new Socket(loopback, fed.coordinator.agentPort()));
            }
            awaitHeld(PER_ADDRESS, 1_000); // the coordinator accepts them a moment after the kernel did
            int open = 0;
            for (Socket s : sockets) {
                open += stillOpen(s, 100) ? 1 : 0;
            }
            assertThat(open).as("sockets the coordinator kept").isEqualTo(PER_ADDRESS);
            // None of them ever says a word: each is closed when the handshake timeout (2 s) passes.
            awaitHeld(0, 8_000);
            for (Socket s : sockets) {
                assertThat(stillOpen(s, 2_000)).isFalse();
            }
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
        // Freed: the address may connect again.
        try (Socket again = new Socket(loopback, fed.coordinator.agentPort())) {
            assertThat(stillOpen(again, 300)).isTrue();
        }
    }

    @Test
    void anIdleConnectionWithoutACertificateIsClosedEvenThoughItAnswersPings() throws Exception {
        awaitHeld(0, 10_000);
        ManagedChannel channel = anonymousChannel();
        try {
            // One refused call opens the connection; the gRPC client then keeps it and answers every ping.
            try {
                ModelsGrpc.newBlockingStub(channel)
                        .download(ModelRequest.getDefaultInstance())
                        .hasNext();
            } catch (RuntimeException expected) {
                assertThat(Status.fromThrowable(expected).getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
            }
            assertThat(channel.getState(false)).isEqualTo(ConnectivityState.READY);
            assertThat(held()).isEqualTo(1);
            awaitHeld(0, 8_000); // closed once idle for 2 s
            assertThat(channel.getState(false)).isNotEqualTo(ConnectivityState.READY);
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void anEnrollmentCallHeldOpenDoesNotKeepAConnectionAlive() throws Exception {
        awaitHeld(0, 10_000);
        ManagedChannel channel = anonymousChannel();
        try {
            // Headers only: the call never sends its request, so the connection is never idle.
            ClientCall<EnrollRequest, EnrollResponse> call =
                    channel.newCall(EnrollmentGrpc.getEnrollMethod(), CallOptions.DEFAULT);
            var closed = new CompletableFuture<Status>();
            call.start(
                    new ClientCall.Listener<>() {
                        @Override
                        public void onClose(Status status, Metadata trailers) {
                            closed.complete(status);
                        }
                    },
                    new Metadata());
            call.request(1);
            awaitHeld(1, 5_000);
            long started = System.nanoTime();
            Status status = closed.get(10, TimeUnit.SECONDS);
            assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started))
                    .isLessThan(9_000);
            awaitHeld(0, 5_000);
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void anEnrolledSitesSessionOutlivesTheLimitsForStrangers() throws Exception {
        String studyId = fed.createStudy(1, 5, 60);
        try (var site = enroll("steady")) {
            site.connect(List.of(studyId));
            Thread.sleep(5_000); // past the idle limit and the lifetime of a connection without a certificate
            assertThat(site.modelLength(org.cohort.protocol.v1.RoundTask.newBuilder()
                            .setStudyId(studyId)
                            .setModelVersion(1)
                            .build()))
                    .isPositive();
            assertThat(held()).isEqualTo(1); // the same connection, still there
        }
    }

    @Test
    void aRefusedHandshakeIsLoggedWithThePeerAndTheReasonAndTheSiteIsToldWhatToDo() throws Exception {
        awaitHeld(0, 10_000);
        logged.list.clear();
        try (var site = enroll("revoked-soon")) {
            fed.api.sites().revoke(site.siteId, "test");
            site.channel.enterIdle(); // the next call needs a new handshake, with a revoked certificate
            Status status = null;
            try {
                site.progress(site.manifest(org.cohort.protocol.v1.RoundTask.getDefaultInstance(), new float[0]));
            } catch (RuntimeException e) {
                status = Status.fromThrowable(e);
            }
            assertThat(status).isNotNull();
            assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(TlsRefusal.explain(status))
                    .get()
                    .asString()
                    .contains("refused this site's certificate because it was revoked")
                    .contains("enroll again");
        }
        awaitLogged(1);
        ILoggingEvent line = logged.list.get(0);
        assertThat(line.getLevel()).isEqualTo(Level.WARN);
        assertThat(line.getFormattedMessage())
                .contains("127.0.0.1")
                .contains("REVOKED")
                .contains("revoked");

        // A flood of handshakes that are not TLS at all writes a bounded number of lines.
        logged.list.clear();
        for (int i = 0; i < 200; i++) {
            try (Socket s = new Socket(loopback, fed.coordinator.agentPort())) {
                s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
                s.getOutputStream().flush();
                stillOpen(s, 2_000);
            }
        }
        awaitLogged(5);
        Thread.sleep(500);
        assertThat(logged.list.size()).isBetween(5, 20);
        assertThat(logged.list.get(0).getFormattedMessage())
                .contains("127.0.0.1")
                .containsIgnoringCase("ssl");
    }

    private void awaitLogged(int lines) throws InterruptedException {
        for (int i = 0; i < 200 && logged.list.size() < lines; i++) {
            Thread.sleep(50);
        }
        assertThat(logged.list).hasSizeGreaterThanOrEqualTo(lines);
    }

    /** True if nothing arrives and the socket stays open for {@code millis}; false once the server closed it. */
    private static boolean stillOpen(Socket s, int millis) throws IOException {
        s.setSoTimeout(millis);
        InputStream in = s.getInputStream();
        try {
            while (in.read() >= 0) {
                // drain what the server says before it closes
            }
            return false;
        } catch (SocketTimeoutException e) {
            return true;
        } catch (IOException e) {
            return false; // reset
        }
    }
}
