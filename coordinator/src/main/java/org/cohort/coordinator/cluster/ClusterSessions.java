package org.cohort.coordinator.cluster;

import com.google.protobuf.InvalidProtocolBufferException;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.topic.ITopic;
import io.grpc.Status;
import java.io.Serializable;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.cohort.coordinator.session.SessionHub;
import org.cohort.protocol.v1.CoordinatorMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Which replica holds each site's session, for the whole cluster. An agent may be connected to
 * any replica; the replica that drives rounds selects among all connected sites and reaches
 * each one through the replica holding its session. Messages go over a Hazelcast topic (in
 * order from one publisher) and the holder writes them to the stream; entries of a replica that
 * leaves the cluster are dropped at once by every member (the agents reconnect elsewhere).
 */
@Component
public class ClusterSessions {
    private static final Logger log = LoggerFactory.getLogger(ClusterSessions.class);

    /**
     * A session as the cluster sees it: where it is, which studies the site's admin accepted and
     * the training size the site declared for each (public by assumption). Not sealed: it holds
     * nothing secret, and {@code remove(k, v)} compares its serialized bytes.
     */
    public record Entry(String memberUuid, java.util.Map<String, Long> acceptedStudies, long connectedAtMillis)
            implements Serializable {
        public Entry {
            acceptedStudies = java.util.Map.copyOf(acceptedStudies);
        }
    }

    /** A message for a site's session, or (with a close code) the order to end it. */
    record Delivery(String siteId, byte[] message, String closeCode, String closeReason)
            implements EncryptedInCluster {}

    private final IMap<String, Entry> directory;
    private final ITopic<Delivery> deliveries;
    private final HazelcastInstance hazelcast;
    private final SessionHub local;

    public ClusterSessions(HazelcastInstance hazelcast, SessionHub local) {
        this.hazelcast = hazelcast;
        this.local = local;
        this.directory = hazelcast.getMap("cohort.site-sessions");
        this.deliveries = hazelcast.getTopic("cohort.to-sites");
        hazelcast.getLifecycleService().addLifecycleListener(event -> {
            if (event.getState() == com.hazelcast.core.LifecycleEvent.LifecycleState.MERGED) {
                // Rejoined after a split with a new member id: tell the cluster again where these sessions are.
                local.all().forEach(session -> opened(session.siteId(), session.acceptedStudies()));
            }
        });
        ClusterRegistration.register(
                "the site-message listener",
                () -> deliveries.addMessageListener(m -> deliverHere(m.getMessageObject())));
        hazelcast.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {}

            @Override
            public void memberRemoved(MembershipEvent event) {
                forget(event.getMember().getUuid().toString());
            }
        });
    }

    /** This replica's member id (the Hazelcast UUID, which changes when it rejoins after a split). */
    public String memberUuid() {
        return hazelcast.getCluster().getLocalMember().getUuid().toString();
    }

    /** A session opened here: the rest of the cluster can now reach the site through this replica. */
    public void opened(String siteId, java.util.Map<String, Long> acceptedStudies) {
        var session = local.session(siteId).orElseThrow();
        directory.set(
                siteId,
                new Entry(memberUuid(), acceptedStudies, session.connectedAt().toEpochMilli()));
    }

    /** A session here ended; the entry goes unless the site already reconnected (here or elsewhere). */
    public void closed(String siteId) {
        if (local.session(siteId).isPresent()) {
            return; // a newer session of the site replaced the one that ended
        }
        try {
            Entry entry = directory.get(siteId);
            if (entry != null && entry.memberUuid().equals(memberUuid())) {
                directory.remove(siteId, entry);
            }
        } catch (com.hazelcast.core.HazelcastInstanceNotActiveException e) {
            // This replica is shutting down: the cluster drops its entries when it leaves.
        }
    }

    /**
     * Connected sites, anywhere in the cluster, whose admin accepted the study, each with the
     * training size it declared when accepting; in a stable order.
     */
    public java.util.SortedMap<String, Long> declaredSizes(String studyId) {
        Set<String> alive = aliveMembers();
        var out = new java.util.TreeMap<String, Long>();
        directory.entrySet().forEach(e -> {
            Long declared = e.getValue().acceptedStudies().get(studyId);
            if (declared != null && alive.contains(e.getValue().memberUuid())) {
                out.put(e.getKey(), declared);
            }
        });
        return out;
    }

    /** Sends to the site wherever its session is; a site connected nowhere gets its tasks again when it reconnects. */
    public void send(String siteId, CoordinatorMessage message) {
        var here = local.session(siteId);
        if (here.isPresent()) {
            here.get().send(message);
        } else {
            deliveries.publish(new Delivery(siteId, message.toByteArray(), null, null));
        }
    }

    /** Ends the site's session wherever it is (revocation), with a status the agent shows its admin. */
    public void disconnect(String siteId, Status status) {
        local.disconnect(siteId, status);
        deliveries.publish(new Delivery(siteId, null, status.getCode().name(), status.getDescription()));
        Entry entry = directory.get(siteId);
        if (entry != null) {
            directory.remove(siteId, entry);
        }
    }

    /** Ends every session held by this replica (it lost the cluster's quorum); agents move to another address. */
    public void disconnectAllHere(Status status) {
        for (var session : local.all()) {
            local.disconnect(session.siteId(), status);
            closed(session.siteId());
        }
    }

    /** Sessions open anywhere in the cluster; -1 while this replica cannot see a quorum of it. */
    public int connectedCount() {
        Set<String> alive = aliveMembers();
        try {
            return (int) directory.values().stream()
                    .filter(e -> alive.contains(e.memberUuid()))
                    .count();
        } catch (com.hazelcast.splitbrainprotection.SplitBrainProtectionException e) {
            return -1;
        }
    }

    /** Where the site's session is, if it has one. */
    public Optional<Entry> where(String siteId) {
        try {
            return Optional.ofNullable(directory.get(siteId))
                    .filter(e -> aliveMembers().contains(e.memberUuid()));
        } catch (com.hazelcast.splitbrainprotection.SplitBrainProtectionException e) {
            return Optional.empty(); // this replica cannot see a quorum: it knows only its own sessions
        }
    }

    /** UUIDs of the members in the cluster now. */
    public Set<String> aliveMembers() {
        return hazelcast.getCluster().getMembers().stream()
                .map(m -> m.getUuid().toString())
                .collect(Collectors.toSet());
    }

    private void deliverHere(Delivery d) {
        var session = local.session(d.siteId());
        if (session.isEmpty()) {
            return;
        }
        if (d.closeCode() != null) {
            local.disconnect(
                    d.siteId(),
                    Status.fromCode(Status.Code.valueOf(d.closeCode())).withDescription(d.closeReason()));
            return;
        }
        try {
            session.get().send(CoordinatorMessage.parseFrom(d.message()));
        } catch (InvalidProtocolBufferException e) {
            log.error("dropping a malformed message for site {} from another replica", d.siteId(), e);
        }
    }

    private void forget(String goneMember) {
        try {
            for (var e : directory.entrySet()) {
                if (e.getValue().memberUuid().equals(goneMember)) {
                    directory.remove(e.getKey(), e.getValue());
                }
            }
        } catch (RuntimeException e) {
            // This member may itself be leaving; the survivors clean up.
            log.debug("could not drop the sessions of replica {}: {}", goneMember, e.getMessage());
        }
    }

    static UUID uuid(String memberUuid) {
        return UUID.fromString(memberUuid);
    }
}
