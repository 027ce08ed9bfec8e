package org.cohort.coordinator.grpc;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import org.cohort.coordinator.cluster.ClusterSessions;
import org.cohort.coordinator.cluster.LeaderInbox;
import org.cohort.coordinator.session.Acceptances;
import org.cohort.coordinator.session.SessionHub;
import org.cohort.protocol.v1.AgentMessage;
import org.cohort.protocol.v1.CoordinatorMessage;
import org.cohort.protocol.v1.HeartbeatAck;
import org.cohort.protocol.v1.Notice;
import org.cohort.protocol.v1.SessionGrpc;
import org.cohort.protocol.v1.TaskOutcome;
import org.cohort.protocol.v1.Welcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The agent-initiated session stream: hello, heartbeats and task outcomes up; tasks and heartbeat
 * acks down. Any replica that sees a quorum of the cluster takes sessions; what only the driving
 * replica acts on goes to it through the {@link LeaderInbox}.
 */
@Component
class SessionService extends SessionGrpc.SessionImplBase {
    private static final Logger log = LoggerFactory.getLogger(SessionService.class);
    static final String VERSION = "0.1.0";

    private final SessionHub hub;
    private final ClusterSessions cluster;
    private final LeaderInbox inbox;
    private final org.cohort.coordinator.cluster.Leadership leadership;
    private final org.cohort.coordinator.study.StudyRepository studies;
    private final org.cohort.coordinator.session.SiteDeclarations declarations;

    public SessionService(
            SessionHub hub,
            ClusterSessions cluster,
            LeaderInbox inbox,
            org.cohort.coordinator.cluster.Leadership leadership,
            org.cohort.coordinator.study.StudyRepository studies,
            org.cohort.coordinator.session.SiteDeclarations declarations) {
        this.studies = studies;
        this.declarations = declarations;
        this.leadership = leadership;
        this.hub = hub;
        this.cluster = cluster;
        this.inbox = inbox;
    }

    @Override
    public StreamObserver<AgentMessage> connect(StreamObserver<CoordinatorMessage> out) {
        String siteId = SiteContext.siteId();
        return new StreamObserver<>() {
            private SessionHub.AgentSession session; // set by the hello

            @Override
            public void onNext(AgentMessage message) {
                switch (message.getKindCase()) {
                    case HELLO -> {
                        if (!leadership.inQuorum()) {
                            // The minority side of a split: the agent tries the next address in its list.
                            out.onError(Status.UNAVAILABLE
                                    .withDescription("this coordinator replica cannot reach a"
                                            + " quorum of the cluster; the agent should connect to another address in"
                                            + " coordinator.addresses")
                                    .asRuntimeException());
                            return;
                        }
                        var hello = message.getHello();
                        // Each accepted study looked up once, for both the acceptance checks and the pins.
                        var known = new java.util.HashMap<String, java.util.Optional<Acceptances.KnownStudy>>();
                        java.util.function.Function<String, java.util.Optional<Acceptances.KnownStudy>> lookUp =
                                id -> known.computeIfAbsent(
                                        id,
                                        study -> studies.find(study)
                                                .map(s -> new Acceptances.KnownStudy(
                                                        s.spec().siteExamplesLimit(),
                                                        org.cohort.coordinator.round.TaskFactory.terms(s.spec())
                                                                .digest())));
                        var accepted = Acceptances.read(hello.getAcceptedStudiesList(), lookUp);
                        var pinned = declarations.pin(
                                siteId,
                                accepted.declared(),
                                id -> lookUp.apply(id).isPresent());
                        session = hub.register(siteId, out, pinned.kept(), hello.getCompute());
                        cluster.opened(siteId, pinned.kept());
                        session.send(CoordinatorMessage.newBuilder()
                                .setWelcome(Welcome.newBuilder()
                                        .setSiteId(siteId)
                                        .setCoordinatorVersion(VERSION)
                                        .setHeartbeatIntervalMillis(
                                                hub.heartbeatInterval().toMillis()))
                                .build());
                        var refusals = new java.util.ArrayList<>(accepted.refusals());
                        refusals.addAll(pinned.refusals());
                        for (String refusal : refusals) {
                            log.warn("site {}: {}", siteId, refusal);
                            session.send(CoordinatorMessage.newBuilder()
                                    .setNotice(Notice.newBuilder().setText(refusal))
                                    .build());
                        }
                        log.info(
                                "site {} connected (accepts studies {}, declared training sizes)",
                                siteId,
                                new java.util.TreeMap<>(pinned.kept()));
                        inbox.post(new LeaderInbox.SiteConnected(siteId));
                    }
                    case HEARTBEAT -> {
                        if (session != null) {
                            hub.heartbeat(siteId, message.getHeartbeat().getState());
                            HeartbeatMetrics.roundTrip(message.getHeartbeat().getLastRoundTripMicros());
                            session.send(CoordinatorMessage.newBuilder()
                                    .setHeartbeatAck(HeartbeatAck.newBuilder()
                                            .setSequence(message.getHeartbeat().getSequence()))
                                    .build());
                        }
                    }
                    case TASK_STATUS -> {
                        var status = message.getTaskStatus();
                        if (status.getOutcome() == TaskOutcome.REFUSED || status.getOutcome() == TaskOutcome.FAILED) {
                            inbox.post(new LeaderInbox.SiteDropped(
                                    status.getRoundId(),
                                    siteId,
                                    status.getOutcome().name(),
                                    status.getDetail()));
                        }
                    }
                    case SECAGG -> {
                        if (session != null) {
                            inbox.post(new LeaderInbox.SecAggMessage(
                                    siteId, message.getSecagg().toByteArray()));
                        }
                    }
                    default ->
                        out.onError(Status.INVALID_ARGUMENT
                                .withDescription("empty or unknown session message")
                                .asRuntimeException());
                }
            }

            @Override
            public void onError(Throwable t) {
                hub.unregister(siteId, out);
                cluster.closed(siteId);
                log.info(
                        "site {} session ended: {}",
                        siteId,
                        Status.fromThrowable(t).getCode());
            }

            @Override
            public void onCompleted() {
                hub.unregister(siteId, out);
                cluster.closed(siteId);
                try {
                    out.onCompleted();
                } catch (RuntimeException ignored) {
                    // already closed
                }
            }
        };
    }
}
