package org.cohort.coordinator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cohort.coordinator.cluster.ClusterNetworkTest.cluster;
import static org.cohort.coordinator.cluster.ClusterNetworkTest.ip;

import com.hazelcast.config.Config;
import com.hazelcast.config.ServerSocketEndpointConfig;
import com.hazelcast.instance.EndpointQualifier;
import com.hazelcast.spi.properties.ClusterProperty;
import java.util.List;
import java.util.Optional;
import org.cohort.crypto.seal.Sealer;
import org.junit.jupiter.api.Test;

/** The member configuration as built, before anything listens. */
class ClusterMemberConfigTest {
    private static final Sealer UNUSED = new Sealer() {
        @Override
        public byte[] seal(byte[] plaintext, byte[] context) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<byte[]> open(byte[] sealed, byte[] context) {
            throw new UnsupportedOperationException();
        }
    };

    @Test
    void aSingleCoordinatorListensOnLoopbackOnlyAndNeverOnEveryInterface() {
        Config config = config(List.of(), "127.0.0.1");

        assertThat(memberEndpoint(config).getInterfaces().isEnabled()).isTrue();
        assertThat(memberEndpoint(config).getInterfaces().getInterfaces()).containsExactly("127.0.0.1");
        assertThat(config.getProperty(ClusterProperty.SOCKET_BIND_ANY.getName()))
                .isEqualTo("false");
        assertThat(config.getProperty(ClusterProperty.SOCKET_SERVER_BIND_ANY.getName()))
                .isEqualTo("false");
        assertThat(config.getProperty(ClusterProperty.SOCKET_CLIENT_BIND_ANY.getName()))
                .isEqualTo("false");
    }

    @Test
    void replicasListenOnTheConfiguredInterfaceOnly() {
        Config config = config(List.of("10.0.0.5:5701", "10.0.0.6:5701"), "10.0.0.5");

        assertThat(memberEndpoint(config).getInterfaces().getInterfaces()).containsExactly("10.0.0.5");
        assertThat(config.getAdvancedNetworkConfig().getJoin().getTcpIpConfig().getMembers())
                .containsExactly("10.0.0.5:5701", "10.0.0.6:5701");
        assertThat(config.getAdvancedNetworkConfig()
                        .getJoin()
                        .getMulticastConfig()
                        .isEnabled())
                .isFalse();
        assertThat(config.getAdvancedNetworkConfig()
                        .getJoin()
                        .getAutoDetectionConfig()
                        .isEnabled())
                .isFalse();
    }

    @Test
    void onlyTheMemberProtocolHasAnEndpointAndItIsFiltered() {
        Config config = config(List.of("10.0.0.5:5701", "10.0.0.6:5701"), "10.0.0.5");

        assertThat(config.getAdvancedNetworkConfig().isEnabled()).isTrue();
        assertThat(config.getAdvancedNetworkConfig().getEndpointConfigs().keySet())
                .containsExactly(EndpointQualifier.MEMBER);
        assertThat(memberEndpoint(config).getSocketInterceptorConfig().isEnabled())
                .isTrue();
    }

    private static Config config(List<String> members, String bind) {
        return ClusterMember.config(
                cluster(members, "", 5701),
                new ClusterNetwork(
                        ip(bind), members.stream().map(ClusterNetwork::host).toList()),
                UNUSED);
    }

    private static ServerSocketEndpointConfig memberEndpoint(Config config) {
        return (ServerSocketEndpointConfig)
                config.getAdvancedNetworkConfig().getEndpointConfigs().get(EndpointQualifier.MEMBER);
    }
}
