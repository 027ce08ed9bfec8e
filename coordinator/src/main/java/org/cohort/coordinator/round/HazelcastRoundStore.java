package org.cohort.coordinator.round;

import com.hazelcast.core.HazelcastInstance;
import org.springframework.stereotype.Component;

/**
 * {@link RoundStore} in the Hazelcast cluster, so that the state of open rounds outlives the
 * replica driving them. The map names are the cluster's wire contract: replicas of one cluster
 * must agree on them.
 */
@Component
class HazelcastRoundStore extends MapRoundStore {

    HazelcastRoundStore(HazelcastInstance hazelcast) {
        super(
                hazelcast.getMap("cohort.rounds"),
                hazelcast.getMap("cohort.active-round"),
                hazelcast.getMap("cohort.upload-claims"),
                hazelcast.getMap("cohort.masked-input-roster"),
                hazelcast.getMap("cohort.carried-tasks"));
    }
}
