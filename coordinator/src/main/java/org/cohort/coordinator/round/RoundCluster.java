package org.cohort.coordinator.round;

import java.util.Set;
import java.util.SortedMap;
import java.util.function.Consumer;
import org.cohort.coordinator.cluster.LeaderInbox;
import org.cohort.coordinator.cluster.Leadership;
import org.cohort.protocol.v1.CoordinatorMessage;

/**
 * The cluster as the round engine sees it, apart from the shared maps ({@link RoundStore}): this
 * replica's standing (does it drive rounds, does it see a quorum, which replicas are alive), the
 * sites' sessions wherever they are, and the driving replica's inbox. One narrow port instead of
 * Hazelcast, the database lease and the session directory, so the engine runs against a fake in
 * its tests; {@link HazelcastRoundCluster} is the real one.
 */
interface RoundCluster {

    /** Renews or takes the lease to drive rounds; what changed. Called on every tick. */
    Leadership.Change refreshLease();

    /** Whether this replica drove rounds at the last {@link #refreshLease()}. */
    boolean drives();

    /** This replica's name in the lease, for people reading why a round was abandoned. */
    String memberId();

    /** The lease term while driving (it grows with each change of holder). */
    long leaseTerm();

    /** Whether this replica sees a quorum of the cluster: only then does it serve agents. */
    boolean inQuorum();

    /** Member UUIDs of the replicas in the cluster now. */
    Set<String> aliveMembers();

    /** Whether a replica left the cluster since the last call (what it held must be asked for again). */
    boolean membersLeft();

    /** Connected sites, anywhere in the cluster, that accepted the study, with the training size each declared. */
    SortedMap<String, Long> declaredSizes(String studyId);

    /** Sends to the site wherever its session is; a site connected nowhere gets its task again when it reconnects. */
    void send(String siteId, CoordinatorMessage message);

    /** Ends every agent session this replica holds (it lost the quorum); the agents move to another address. */
    void disconnectAgentsHere(String reason);

    /** Tells the driving replica, wherever it is. */
    void tellDriver(LeaderInbox.Event event);

    /** What this replica does with the events it receives while it drives rounds (one thread, in order). */
    void onDriverEvents(Consumer<LeaderInbox.Event> handler);
}
