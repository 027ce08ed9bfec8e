package org.cohort.coordinator.cluster;

import com.hazelcast.core.HazelcastException;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers a cluster-wide listener while the cluster may still be changing. Hazelcast registers a
 * topic listener on every member and gives up when the member list changes under it (another
 * replica joining or leaving at that moment: "topology was not stable", a member that left, a
 * timeout); a replica that starts next to others joining would then fail to start. Such a failure
 * is retried with a short pause for a bounded time; a stopped instance is not.
 */
final class ClusterRegistration {
    private static final Logger log = LoggerFactory.getLogger(ClusterRegistration.class);
    static final Duration PATIENCE = Duration.ofSeconds(60);

    private ClusterRegistration() {}

    static <T> T register(String what, Supplier<T> registration) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        for (int attempt = 1; ; attempt++) {
            try {
                return registration.get();
            } catch (HazelcastInstanceNotActiveException e) {
                throw e;
            } catch (HazelcastException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "could not register " + what + " with the cluster for " + PATIENCE.toSeconds()
                                    + " s while its membership kept changing; check the replicas' logs for members"
                                    + " joining and leaving",
                            e);
                }
                log.warn(
                        "registering {} with the cluster failed (attempt {}: {}); retrying",
                        what,
                        attempt,
                        e.toString());
                try {
                    Thread.sleep(Math.min(2_000, 100L * attempt));
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }
}
