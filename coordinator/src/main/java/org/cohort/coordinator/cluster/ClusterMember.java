package org.cohort.coordinator.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.SerializerConfig;
import com.hazelcast.config.ServerSocketEndpointConfig;
import com.hazelcast.config.SocketInterceptorConfig;
import com.hazelcast.config.SplitBrainProtectionConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.instance.impl.HazelcastInstanceFactory;
import com.hazelcast.spi.properties.ClusterProperty;
import org.cohort.coordinator.config.CoordinatorProperties;
import org.cohort.crypto.seal.Sealer;

/**
 * The embedded Hazelcast member that holds study and round state: its configuration and its start.
 * A single member by default; list other replicas in {@code cohort.coordinator.cluster.members}
 * (TCP-IP join) and they form one cluster. Multicast is off: hospital networks rarely allow it and
 * it surprises operators. Other discovery mechanisms (Kubernetes, cloud APIs) could replace the
 * TCP-IP list, but the member port only takes connections from the listed addresses.
 *
 * <p>Hazelcast Community has no member authentication and no TLS, so the port is closed down
 * instead: it listens on one address ({@link ClusterNetwork}), takes connections only from the
 * listed members ({@link MemberAllowList}), speaks only the member protocol (the advanced network
 * configuration with a member endpoint and no client endpoint, so Hazelcast clients are refused),
 * and the values that carry secrets are sealed ({@link EncryptingSerializer}).
 */
final class ClusterMember {
    static final String SPLIT_BRAIN_PROTECTION = "cohort-quorum";

    private ClusterMember() {}

    static HazelcastInstance start(CoordinatorProperties.Cluster cluster, Sealer sealer) {
        var network = ClusterNetwork.decide(cluster, ClusterNetwork.localAddresses(), ClusterNetwork.DNS);
        var allowList = new MemberAllowList(network.memberHosts(), ClusterNetwork.DNS);
        return HazelcastInstanceFactory.newHazelcastInstance(
                config(cluster, network, sealer), null, new AllowListNodeContext(allowList));
    }

    static Config config(CoordinatorProperties.Cluster cluster, ClusterNetwork network, Sealer sealer) {
        Config config = new Config();
        config.setClusterName(cluster.name());
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.logging.type", "slf4j");
        config.setProperty("hazelcast.shutdownhook.enabled", "false");
        // Listen on the chosen address only, and connect out from it, so that the other replicas'
        // allow lists see this replica's listed address as the source.
        config.setProperty(ClusterProperty.SOCKET_BIND_ANY.getName(), "false");
        config.setProperty(ClusterProperty.SOCKET_SERVER_BIND_ANY.getName(), "false");
        config.setProperty(ClusterProperty.SOCKET_CLIENT_BIND_ANY.getName(), "false");

        // The advanced network configuration has exactly the endpoints configured: a member endpoint
        // and no client, REST or memcache one, so nothing but the member protocol is spoken.
        var advanced = config.getAdvancedNetworkConfig().setEnabled(true);
        var member = new ServerSocketEndpointConfig().setPort(cluster.port()).setPortAutoIncrement(true);
        member.getInterfaces()
                .setEnabled(true)
                .addInterface(network.bindAddress().getHostAddress());
        // Enabled so that Hazelcast asks for the interceptor; AllowListNodeContext supplies the instance.
        member.setSocketInterceptorConfig(
                new SocketInterceptorConfig().setEnabled(true).setClassName(MemberAllowList.class.getName()));
        advanced.setMemberEndpointConfig(member);
        JoinConfig join = advanced.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        var tcp = join.getTcpIpConfig().setEnabled(true);
        cluster.members().forEach(tcp::addMember);

        config.getSerializationConfig()
                .addSerializerConfig(new SerializerConfig()
                        .setTypeClass(EncryptedInCluster.class)
                        .setImplementation(new EncryptingSerializer(sealer, cluster.name())));
        // Whatever a member sends is deserialised only into Cohort's own types, the JDK's and Hazelcast's
        // (on top of Hazelcast's default blacklist): a process that passes the address check cannot
        // ship a gadget chain. Community has no member authentication, so this is defence in depth.
        var filter = new com.hazelcast.config.JavaSerializationFilterConfig().setDefaultsDisabled(false);
        filter.getWhitelist().addPrefixes("org.cohort.", "java.", "com.hazelcast.", "com.google.protobuf.", "[");
        config.getSerializationConfig().setJavaSerializationFilterConfig(filter);

        int quorum = cluster.effectiveQuorum();
        if (quorum > 1) {
            // Hazelcast's own split-brain protection on the cluster state: a replica that sees fewer
            // than a quorum of members can neither read nor write rounds, sessions or upload claims,
            // so a minority side cannot act on stale state (Leadership keeps it from driving rounds).
            config.addSplitBrainProtectionConfig(new SplitBrainProtectionConfig(SPLIT_BRAIN_PROTECTION, true, quorum));
            config.getMapConfig("cohort.*").setSplitBrainProtectionName(SPLIT_BRAIN_PROTECTION);
        }
        return config;
    }
}
