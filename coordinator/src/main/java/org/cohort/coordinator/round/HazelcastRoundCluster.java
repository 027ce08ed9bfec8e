package org.cohort.coordinator.round;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import io.grpc.Status;
import java.util.Set;
import java.util.SortedMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.cohort.coordinator.cluster.ClusterSessions;
import org.cohort.coordinator.cluster.LeaderInbox;
import org.cohort.coordinator.cluster.Leadership;
import org.cohort.protocol.v1.CoordinatorMessage;
import org.springframework.stereotype.Component;

/** {@link RoundCluster} over Hazelcast membership, the database lease and the cluster's session directory. */
@Component
class HazelcastRoundCluster implements RoundCluster {
    private final Leadership leadership;
    private final ClusterSessions sessions;
    private final LeaderInbox inbox;
    private final AtomicBoolean membersLeft = new AtomicBoolean();

    HazelcastRoundCluster(
            HazelcastInstance hazelcast, Leadership leadership, ClusterSessions sessions, LeaderInbox inbox) {
        this.leadership = leadership;
        this.sessions = sessions;
        this.inbox = inbox;
        hazelcast.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {}

            @Override
            public void memberRemoved(MembershipEvent event) {
                membersLeft.set(true);
            }
        });
    }

    @Override
    public Leadership.Change refreshLease() {
        return leadership.refresh();
    }

    @Override
    public boolean drives() {
        return leadership.leading();
    }

    @Override
    public String memberId() {
        return leadership.memberId();
    }

    @Override
    public long leaseTerm() {
        return leadership.term();
    }

    @Override
    public boolean inQuorum() {
        return leadership.inQuorum();
    }

    @Override
    public Set<String> aliveMembers() {
        return sessions.aliveMembers();
    }

    @Override
    public boolean membersLeft() {
        return membersLeft.getAndSet(false);
    }

    @Override
    public SortedMap<String, Long> declaredSizes(String studyId) {
        return sessions.declaredSizes(studyId);
    }

    @Override
    public void send(String siteId, CoordinatorMessage message) {
        sessions.send(siteId, message);
    }

    @Override
    public void disconnectAgentsHere(String reason) {
        sessions.disconnectAllHere(Status.UNAVAILABLE.withDescription(reason));
    }

    @Override
    public void tellDriver(LeaderInbox.Event event) {
        inbox.post(event);
    }

    @Override
    public void onDriverEvents(Consumer<LeaderInbox.Event> handler) {
        inbox.handleWith(handler);
    }
}
