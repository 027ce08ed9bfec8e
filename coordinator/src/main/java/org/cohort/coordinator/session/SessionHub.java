package org.cohort.coordinator.session;

import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.cohort.protocol.v1.AgentState;
import org.cohort.protocol.v1.CoordinatorMessage;
import org.springframework.stereotype.Component;

/**
 * The agents connected to this replica: their open session streams, the studies their
 * admins accepted, and their last heartbeat. Liveness here is for people to see ("stale"),
 * it never removes a site from a round.
 */
@Component
public class SessionHub {
    private final Map<String, AgentSession> sessions = new ConcurrentHashMap<>();
    private final Clock clock;
    private final Duration heartbeatInterval;
    private final HeadStamp headStamp;

    public SessionHub(Clock clock, org.cohort.coordinator.config.CoordinatorProperties props, HeadStamp headStamp) {
        this.clock = clock;
        this.heartbeatInterval = props.heartbeatInterval();
        this.headStamp = headStamp;
    }

    public Duration heartbeatInterval() {
        return heartbeatInterval;
    }

    /** One connected agent. Sending is serialized because a gRPC StreamObserver is not thread-safe. */
    public static final class AgentSession {
        private final String siteId;
        private final StreamObserver<CoordinatorMessage> stream;
        private final java.util.function.UnaryOperator<CoordinatorMessage> stamp;
        /** Accepted study → the training size the site declared for it (public by assumption). */
        private final Map<String, Long> acceptedStudies;

        private final Instant connectedAt;
        private volatile Instant lastHeartbeat;
        private volatile AgentState state = AgentState.IDLE;
        private volatile String compute;

        AgentSession(
                String siteId,
                StreamObserver<CoordinatorMessage> stream,
                java.util.function.UnaryOperator<CoordinatorMessage> stamp,
                Map<String, Long> acceptedStudies,
                String compute,
                Instant now) {
            this.siteId = siteId;
            this.stream = stream;
            this.stamp = stamp;
            this.acceptedStudies = Map.copyOf(acceptedStudies);
            this.compute = compute;
            this.connectedAt = now;
            this.lastHeartbeat = now;
        }

        public String siteId() {
            return siteId;
        }
        /** Accepted study → the training size the site declared for it. */
        public Map<String, Long> acceptedStudies() {
            return acceptedStudies;
        }

        public Instant connectedAt() {
            return connectedAt;
        }

        public Instant lastHeartbeat() {
            return lastHeartbeat;
        }

        public AgentState state() {
            return state;
        }

        public String compute() {
            return compute;
        }

        /** Sends one message; a round task gets the audit head as it stands now ({@link HeadStamp}). */
        public synchronized boolean send(CoordinatorMessage message) {
            try {
                stream.onNext(stamp.apply(message));
                return true;
            } catch (RuntimeException e) {
                return false; // the stream closed under us; the agent will reconnect
            }
        }

        public synchronized void close(io.grpc.Status status) {
            try {
                stream.onError(status.asRuntimeException());
            } catch (RuntimeException ignored) {
                // already closed
            }
        }
    }

    public AgentSession register(
            String siteId, StreamObserver<CoordinatorMessage> stream, Map<String, Long> accepted, String compute) {
        var session = new AgentSession(siteId, stream, headStamp::stamp, accepted, compute, clock.instant());
        AgentSession previous = sessions.put(siteId, session);
        if (previous != null && previous.stream != stream) {
            previous.close(io.grpc.Status.ALREADY_EXISTS.withDescription(
                    "a newer session of site " + siteId + " replaced this one"));
        }
        return session;
    }

    public void unregister(String siteId, StreamObserver<CoordinatorMessage> stream) {
        sessions.computeIfPresent(siteId, (k, s) -> s.stream == stream ? null : s);
    }

    public void heartbeat(String siteId, AgentState state) {
        var s = sessions.get(siteId);
        if (s != null) {
            s.lastHeartbeat = clock.instant();
            s.state = state;
        }
    }

    public Optional<AgentSession> session(String siteId) {
        return Optional.ofNullable(sessions.get(siteId));
    }

    /** Connected sites whose admin accepted the study, in a stable order. */
    public List<String> sitesAccepting(String studyId) {
        return sessions.values().stream()
                .filter(s -> s.acceptedStudies.containsKey(studyId))
                .map(AgentSession::siteId)
                .sorted()
                .toList();
    }

    public List<AgentSession> all() {
        return sessions.values().stream()
                .sorted(java.util.Comparator.comparing(AgentSession::siteId))
                .toList();
    }

    /** A site whose heartbeats are three intervals late is shown as stale; nothing else happens. */
    public boolean stale(AgentSession s) {
        return Duration.between(s.lastHeartbeat(), clock.instant()).compareTo(heartbeatInterval.multipliedBy(3)) > 0;
    }

    public void disconnect(String siteId, io.grpc.Status status) {
        var s = sessions.remove(siteId);
        if (s != null) {
            s.close(status);
        }
    }
}
