package org.cohort.coordinator.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import jakarta.annotation.PreDestroy;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.Iterator;
import org.cohort.coordinator.config.CoordinatorProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Decides which coordinator replica drives rounds. The Community Edition of Hazelcast has no
 * CP subsystem (no linearizable lock), so two checks are combined: Hazelcast proposes its
 * oldest member, but only while that member sees a quorum of the cluster (a minority side of a
 * split brain never drives); and the database arbitrates with a lease row that only one
 * replica can hold at a time (a conditional UPDATE), renewed on every orchestrator tick. A
 * replica that stops is replaced once its lease expires.
 *
 * <p>Replica clocks must agree to well within the lease duration (NTP does this).
 */
@Component
public class Leadership {
    private static final Logger log = LoggerFactory.getLogger(Leadership.class);

    private final HazelcastInstance hazelcast;
    private final JdbcClient jdbc;
    private final Clock clock;
    private final CoordinatorProperties.Cluster config;
    private final String memberId;
    private volatile boolean leading;
    private volatile long term = -1;

    public Leadership(HazelcastInstance hazelcast, JdbcClient jdbc, Clock clock, CoordinatorProperties props) {
        this.hazelcast = hazelcast;
        this.jdbc = jdbc;
        this.clock = clock;
        this.config = props.cluster();
        this.memberId = hazelcast.getCluster().getLocalMember().getUuid() + "@"
                + hazelcast.getCluster().getLocalMember().getAddress();
    }

    /** What changed at the last {@link #refresh()}. */
    public enum Change {
        NONE,
        ACQUIRED,
        LOST
    }

    /** Whether this replica drove rounds at the last refresh (cheap; for request handlers). */
    public boolean leading() {
        return leading;
    }

    /** This replica's identity in the lease: Hazelcast member UUID and address. */
    public String memberId() {
        return memberId;
    }

    /** The lease term while leading (grows with each change of holder), else -1. */
    public long term() {
        return term;
    }

    /** Whether this replica sees a quorum of the cluster: only then does it serve agents (split-brain protection). */
    public boolean inQuorum() {
        return hazelcast.getCluster().getMembers().size() >= config.effectiveQuorum();
    }

    /**
     * The member that holds the database lease now, if it is in this replica's cluster and the
     * lease has not expired: where requests that only the driving replica can serve are sent.
     */
    public java.util.Optional<Member> leaderMember() {
        var rows = jdbc.sql("SELECT holder, expires_at FROM coordinator_lease WHERE lease_id = 1")
                .query((rs, n) -> new Object[] {rs.getString(1), rs.getTimestamp(2)})
                .list();
        if (rows.isEmpty()
                || rows.get(0)[0] == null
                || ((Timestamp) rows.get(0)[1]).toInstant().isBefore(clock.instant())) {
            return java.util.Optional.empty();
        }
        String holder = (String) rows.get(0)[0];
        String uuid = holder.substring(0, holder.indexOf('@'));
        return hazelcast.getCluster().getMembers().stream()
                .filter(m -> m.getUuid().toString().equals(uuid))
                .findFirst();
    }

    /** Re-evaluates leadership and renews or takes the lease; call it on every tick. */
    public synchronized Change refresh() {
        boolean was = leading;
        boolean now = proposedByCluster() && holdLease();
        leading = now;
        if (now && !was) {
            term = jdbc.sql("SELECT term FROM coordinator_lease WHERE lease_id = 1")
                    .query(Long.class)
                    .single();
            log.info("this replica ({}) now drives rounds (lease term {})", memberId, term);
            return Change.ACQUIRED;
        }
        if (!now && was) {
            term = -1;
            log.warn(
                    "this replica ({}) no longer drives rounds (cluster of {}, quorum {})",
                    memberId,
                    hazelcast.getCluster().getMembers().size(),
                    config.effectiveQuorum());
            return Change.LOST;
        }
        return Change.NONE;
    }

    /** The oldest member of a cluster that has quorum is the one proposed to lead. */
    private boolean proposedByCluster() {
        var members = hazelcast.getCluster().getMembers();
        if (members.size() < config.effectiveQuorum()) {
            return false;
        }
        Iterator<Member> it = members.iterator();
        return it.hasNext() && it.next().localMember();
    }

    private boolean holdLease() {
        Instant now = clock.instant();
        int updated = jdbc.sql("""
                UPDATE coordinator_lease
                SET term = CASE WHEN holder = ? THEN term ELSE term + 1 END, holder = ?, expires_at = ?
                WHERE lease_id = 1 AND (holder = ? OR expires_at < ?)""")
                .params(
                        memberId,
                        memberId,
                        Timestamp.from(now.plus(config.leaseDuration())),
                        memberId,
                        Timestamp.from(now))
                .update();
        return updated == 1;
    }

    /** On a clean shutdown the lease is handed back at once, so another replica need not wait for it to expire. */
    @PreDestroy
    public synchronized void release() {
        if (leading) {
            try {
                jdbc.sql("UPDATE coordinator_lease SET expires_at = ? WHERE lease_id = 1 AND holder = ?")
                        .params(Timestamp.from(Instant.EPOCH), memberId)
                        .update();
            } catch (RuntimeException e) {
                // Harmless: the lease then simply runs out; say so rather than end the shutdown with a trace.
                org.slf4j.LoggerFactory.getLogger(Leadership.class)
                        .warn(
                                "could not hand back the driving lease on"
                                        + " shutdown ({}); another replica takes over when it expires, within {}",
                                e.getMessage(),
                                config.leaseDuration());
            }
            leading = false;
            term = -1;
        }
    }
}
