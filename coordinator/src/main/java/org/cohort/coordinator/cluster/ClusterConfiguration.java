package org.cohort.coordinator.cluster;

import com.hazelcast.core.HazelcastInstance;
import org.cohort.coordinator.config.CoordinatorProperties;
import org.cohort.crypto.pki.SiteCertificateAuthority;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The embedded Hazelcast member ({@link ClusterMember}); which replica drives rounds is decided by
 * {@link Leadership}. Its sealing key comes from the CA that all replicas share (the data
 * directory), separate per cluster name.
 */
@Configuration(proxyBeanMethods = false)
class ClusterConfiguration {

    @Bean(destroyMethod = "shutdown")
    HazelcastInstance hazelcast(CoordinatorProperties props, SiteCertificateAuthority ca) {
        return ClusterMember.start(
                props.cluster(), ca.sealer("cluster-state/" + props.cluster().name()));
    }
}
