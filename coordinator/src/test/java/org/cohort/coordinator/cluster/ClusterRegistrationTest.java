package org.cohort.coordinator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hazelcast.core.HazelcastException;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A listener registration that races a membership change is retried; a stopped member is not. */
class ClusterRegistrationTest {

    @Test
    void aRegistrationThatRacedAMembershipChangeIsRetriedUntilItSucceeds() {
        var attempts = new AtomicInteger();
        String id = ClusterRegistration.register("a listener", () -> {
            if (attempts.incrementAndGet() < 3) {
                throw new HazelcastException("Cluster topology was not stable for 100 retries");
            }
            return "registration-id";
        });
        assertThat(id).isEqualTo("registration-id");
        assertThat(attempts).hasValue(3);
    }

    @Test
    void aStoppedMemberIsNotRetried() {
        var attempts = new AtomicInteger();
        assertThatThrownBy(() -> ClusterRegistration.register("a listener", () -> {
                    attempts.incrementAndGet();
                    throw new HazelcastInstanceNotActiveException();
                }))
                .isInstanceOf(HazelcastInstanceNotActiveException.class);
        assertThat(attempts).hasValue(1);
    }

    @Test
    void aFailureThatIsNotTheClustersIsNotRetried() {
        var attempts = new AtomicInteger();
        assertThatThrownBy(() -> ClusterRegistration.register("a listener", () -> {
                    attempts.incrementAndGet();
                    throw new IllegalArgumentException("bad listener");
                }))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(attempts).hasValue(1);
    }
}
