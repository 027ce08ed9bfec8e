package org.cohort.coordinator.grpc;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.HashSet;
import org.cohort.coordinator.round.RoundOrchestrator;
import org.cohort.coordinator.session.SessionHub;
import org.cohort.protocol.v1.AgentMessage;
import org.cohort.protocol.v1.CoordinatorMessage;
import org.cohort.protocol.v1.HeartbeatAck;
import org.cohort.protocol.v1.SessionGrpc;
import org.cohort.protocol.v1.TaskOutcome;
import org.cohort.protocol.v1.Welcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/** The agent-initiated session stream: hello, heartbeats and task outcomes up; tasks and heartbeat acks down. */
@Component
public class SessionService extends SessionGrpc.SessionImplBase {
    private static final Logger log = LoggerFactory.getLogger(SessionService.class);
    static final String VERSION = "0.1.0";

    private final SessionHub hub;
    private final RoundOrchestrator orchestrator;
    private final org.cohort.coordinator.cluster.Leadership leadership;

    public SessionService(SessionHub hub, RoundOrchestrator orchestrator,
                          org.cohort.coordinator.cluster.Leadership leadership) {
        this.leadership = leadership;
        this.hub = hub;
        this.orchestrator = orchestrator;
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
                        if (!leadership.leading()) {
                            // A standby replica: the agent tries the next address in its list.
                            out.onError(Status.UNAVAILABLE.withDescription("this coordinator replica is on standby;"
                                    + " the agent should connect to another address in coordinator.addresses")
                                    .asRuntimeException());
                            return;
                        }
                        var hello = message.getHello();
                        session = hub.register(siteId, out, new HashSet<>(hello.getAcceptedStudyIdsList()),
                                hello.getCompute());
                        session.send(CoordinatorMessage.newBuilder().setWelcome(Welcome.newBuilder()
                                .setSiteId(siteId).setCoordinatorVersion(VERSION)
                                .setHeartbeatIntervalMillis(hub.heartbeatInterval().toMillis())).build());
                        log.info("site {} connected (accepts studies {})", siteId, hello.getAcceptedStudyIdsList());
                        orchestrator.resendOpenTasks(siteId);
                    }
                    case HEARTBEAT -> {
                        if (session != null) {
                            hub.heartbeat(siteId, message.getHeartbeat().getState());
                            session.send(CoordinatorMessage.newBuilder().setHeartbeatAck(HeartbeatAck.newBuilder()
                                    .setSequence(message.getHeartbeat().getSequence())).build());
                        }
                    }
                    case TASK_STATUS -> {
                        var status = message.getTaskStatus();
                        if (status.getOutcome() == TaskOutcome.REFUSED || status.getOutcome() == TaskOutcome.FAILED) {
                            orchestrator.dropSite(status.getRoundId(), siteId, status.getOutcome().name(),
                                    status.getDetail());
                        }
                    }
                    case SECAGG -> {
                        if (session != null) {
                            orchestrator.onSecAggStep(siteId, message.getSecagg());
                        }
                    }
                    default -> out.onError(Status.INVALID_ARGUMENT
                            .withDescription("empty or unknown session message").asRuntimeException());
                }
            }

            @Override
            public void onError(Throwable t) {
                hub.unregister(siteId, out);
                log.info("site {} session ended: {}", siteId, Status.fromThrowable(t).getCode());
            }

            @Override
            public void onCompleted() {
                hub.unregister(siteId, out);
                try {
                    out.onCompleted();
                } catch (RuntimeException ignored) {
                    // already closed
                }
            }
        };
    }
}
