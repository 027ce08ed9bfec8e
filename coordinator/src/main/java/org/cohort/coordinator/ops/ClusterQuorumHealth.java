package org.cohort.coordinator.ops;

import org.cohort.coordinator.cluster.Leadership;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Readiness of this replica: out of service while it is cut off from the cluster's majority. Such
 * a replica refuses to hold uploads (they would be lost to the round), so a load balancer or
 * Kubernetes should send agents elsewhere until it rejoins.
 */
@Component("clusterQuorum")
class ClusterQuorumHealth implements HealthIndicator {
    private final Leadership leadership;

    ClusterQuorumHealth(Leadership leadership) {
        this.leadership = leadership;
    }

    @Override
    public Health health() {
        return leadership.inQuorum()
                ? Health.up().build()
                : Health.outOfService()
                        .withDetail("reason", "cut off from the cluster's majority")
                        .build();
    }
}
