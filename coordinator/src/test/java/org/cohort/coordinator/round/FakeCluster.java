package org.cohort.coordinator.round;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.cohort.coordinator.cluster.LeaderInbox;
import org.cohort.coordinator.cluster.Leadership;
import org.cohort.protocol.v1.CoordinatorMessage;

/**
 * The cluster for one replica under test: the test says who is alive, whether this replica has
 * the quorum and the lease, and which sites are connected; every message to a site is kept for
 * the test to read, and events for the driver wait until the test delivers them, as the real
 * inbox thread would, but in the test's own time.
 */
final class FakeCluster implements RoundCluster {
    final String me;
    final Set<String> alive = new HashSet<>();
    /** Connected sites by study, with the training size each declared. */
    final Map<String, SortedMap<String, Long>> connected = new TreeMap<>();

    final List<Sent> sent = new ArrayList<>();
    final List<LeaderInbox.Event> toDriver = new ArrayList<>();
    boolean quorum = true;
    boolean lease = true;
    boolean membersLeft;
    long term = 1;
    private boolean drives;
    private Consumer<LeaderInbox.Event> handler;

    /** A message to a site. */
    record Sent(String siteId, CoordinatorMessage message) {}

    FakeCluster(String me) {
        this.me = me;
        alive.add(me);
    }

    @Override
    public Leadership.Change refreshLease() {
        boolean was = drives;
        drives = lease && quorum;
        return drives == was ? Leadership.Change.NONE : drives ? Leadership.Change.ACQUIRED : Leadership.Change.LOST;
    }

    @Override
    public boolean drives() {
        return drives;
    }

    @Override
    public String memberId() {
        return me;
    }

    @Override
    public long leaseTerm() {
        return term;
    }

    @Override
    public boolean inQuorum() {
        return quorum;
    }

    @Override
    public Set<String> aliveMembers() {
        return Set.copyOf(alive);
    }

    @Override
    public boolean membersLeft() {
        boolean left = membersLeft;
        membersLeft = false;
        return left;
    }

    @Override
    public SortedMap<String, Long> declaredSizes(String studyId) {
        return new TreeMap<>(connected.getOrDefault(studyId, new TreeMap<>()));
    }

    @Override
    public void send(String siteId, CoordinatorMessage message) {
        sent.add(new Sent(siteId, message));
    }

    @Override
    public void disconnectAgentsHere(String reason) {
        connected.clear();
    }

    @Override
    public void tellDriver(LeaderInbox.Event event) {
        toDriver.add(event);
    }

    @Override
    public void onDriverEvents(Consumer<LeaderInbox.Event> handler) {
        this.handler = handler;
    }

    /** Hands every waiting event to the driver, in order, including those its handling posts. */
    void deliver() {
        while (!toDriver.isEmpty()) {
            handler.accept(toDriver.remove(0));
        }
    }

    /** The messages a site received, of one kind, oldest first. */
    List<CoordinatorMessage> to(String siteId, CoordinatorMessage.KindCase kind) {
        return sent.stream()
                .filter(s -> s.siteId().equals(siteId) && s.message().getKindCase() == kind)
                .map(Sent::message)
                .toList();
    }
}
