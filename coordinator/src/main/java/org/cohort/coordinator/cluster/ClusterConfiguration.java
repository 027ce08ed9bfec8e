package org.cohort.coordinator.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.SplitBrainProtectionConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import org.cohort.coordinator.config.CoordinatorProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The embedded Hazelcast member that holds study and round state. A single member by default;
 * list other replicas in {@code cohort.coordinator.cluster.members} (TCP-IP join) and they form
 * one cluster. Multicast is off: hospital networks rarely allow it and it surprises operators.
 * Other discovery mechanisms Hazelcast offers (Kubernetes, cloud APIs) can replace the TCP-IP
 * list here; which replica drives rounds is decided by {@link Leadership}.
 */
@Configuration(proxyBeanMethods = false)
public class ClusterConfiguration {
    static final String SPLIT_BRAIN_PROTECTION = "cohort-quorum";

    @Bean(destroyMethod = "shutdown")
    HazelcastInstance hazelcast(CoordinatorProperties props) {
        Config config = new Config();
        config.setClusterName(props.cluster().name());
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.logging.type", "slf4j");
        config.setProperty("hazelcast.shutdownhook.enabled", "false");
        config.getNetworkConfig().setPort(props.cluster().port()).setPortAutoIncrement(true);
        JoinConfig join = config.getNetworkConfig().getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        var tcp = join.getTcpIpConfig().setEnabled(true);
        if (props.cluster().members().isEmpty()) {
            // No members listed: a cluster of one, bound to loopback, that never merges with
            // another coordinator that happens to run on the same host.
            config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        } else {
            props.cluster().members().forEach(tcp::addMember);
            if (props.cluster().members().stream().allMatch(m -> m.startsWith("127.") || m.startsWith("localhost"))) {
                // Replicas on one host (tests, a laptop): stay on loopback like the single member does.
                config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
            }
        }
        int quorum = props.cluster().effectiveQuorum();
        if (quorum > 1) {
            // Hazelcast's own split-brain protection on the cluster state: a replica that sees fewer
            // than a quorum of members can neither read nor write rounds, sessions or upload claims,
            // so a minority side cannot act on stale state (Leadership keeps it from driving rounds).
            config.addSplitBrainProtectionConfig(new SplitBrainProtectionConfig(SPLIT_BRAIN_PROTECTION, true, quorum));
            config.getMapConfig("cohort.*").setSplitBrainProtectionName(SPLIT_BRAIN_PROTECTION);
        }
        return Hazelcast.newHazelcastInstance(config);
    }
}
