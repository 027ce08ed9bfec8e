package org.cohort.coordinator.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.topic.ITopic;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * What a replica learns from the agents connected to it that only the replica driving rounds
 * acts on: task outcomes, secure-aggregation messages, reconnections and uploads held in this
 * replica's partial sum. On the driving replica an event is queued at once; elsewhere it is
 * published on a cluster topic that every member hears and only the driving one queues. One
 * thread handles the queue in order, so neither a gRPC thread (an upload's receipt) nor a
 * Hazelcast event thread waits while the driver merges a round. An
 * event lost while the driver changes costs nothing lasting: the new driver reconciles the
 * open rounds from the cluster's state when it takes over.
 */
@Component
public class LeaderInbox {
    private static final Logger log = LoggerFactory.getLogger(LeaderInbox.class);

    /** Events for the driving replica. */
    public sealed interface Event extends EncryptedInCluster
            permits SiteDropped, SecAggMessage, SiteConnected, UploadHeld {}

    /** The site refused or failed its task, or its upload was rejected. */
    public record SiteDropped(String roundId, String siteId, String outcome, String reason) implements Event {}

    /** A secure-aggregation step the site sent on its session (protobuf bytes). */
    public record SecAggMessage(String siteId, byte[] step) implements Event {}

    /** The site opened a session (it may need its open round's task again). */
    public record SiteConnected(String siteId) implements Event {}

    /** An upload passed every check and was folded into the partial sum of replica {@code memberUuid}. */
    public record UploadHeld(String roundId, String siteId, String memberUuid) implements Event {}

    private final ITopic<Event> topic;
    private final Leadership leadership;
    private final java.util.concurrent.ExecutorService worker = java.util.concurrent.Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("cohort-leader-inbox").daemon().factory());
    private volatile Consumer<Event> handler;

    public LeaderInbox(HazelcastInstance hazelcast, Leadership leadership) {
        this.leadership = leadership;
        this.topic = hazelcast.getTopic("cohort.to-leader");
        ClusterRegistration.register(
                "the leader-inbox listener",
                () -> topic.addMessageListener(m -> {
                    if (leadership.leading()) {
                        enqueue(m.getMessageObject());
                    }
                }));
    }

    /** The driving replica's handler (the round orchestrator). */
    public void handleWith(Consumer<Event> handler) {
        this.handler = handler;
    }

    public void post(Event event) {
        if (leadership.leading()) {
            enqueue(event);
        } else {
            topic.publish(event);
        }
    }

    private void enqueue(Event event) {
        try {
            worker.execute(() -> handle(event));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            log.debug("shutting down; {} not handled", event.getClass().getSimpleName());
        }
    }

    @jakarta.annotation.PreDestroy
    void stop() {
        worker.shutdownNow();
    }

    private void handle(Event event) {
        var h = handler;
        if (h == null) {
            return;
        }
        try {
            h.accept(event);
        } catch (RuntimeException e) {
            log.error("could not handle {}", event.getClass().getSimpleName(), e);
        }
    }
}
