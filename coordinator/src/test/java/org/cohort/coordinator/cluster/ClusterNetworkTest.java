package org.cohort.coordinator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.cohort.coordinator.config.CoordinatorProperties;
import org.junit.jupiter.api.Test;

class ClusterNetworkTest {
    private static final Map<String, List<String>> DNS = Map.of(
            "coord-a", List.of("10.0.0.5"), "coord-b", List.of("10.0.0.6"), "localhost", List.of("127.0.0.1", "::1"));
    private static final ClusterNetwork.Resolver RESOLVER = host -> {
        List<String> names = DNS.get(host);
        if (names == null && !Character.isDigit(host.charAt(0)) && !host.contains(":")) {
            throw new UnknownHostException(host);
        }
        return (names == null ? List.of(host) : names)
                .stream().map(ClusterNetworkTest::ip).toList();
    };
    private static final Set<InetAddress> THIS_HOST =
            Set.of(ip("127.0.0.1"), ip("::1"), ip("10.0.0.5"), ip("192.168.7.5"));

    @Test
    void singleCoordinatorListensOnLoopbackOnly() {
        var network = decide(List.of(), "");

        assertThat(network.bindAddress().getHostAddress()).isEqualTo("127.0.0.1");
        assertThat(network.singleMember()).isTrue();
    }

    @Test
    void replicasListenOnTheListedAddressThatIsThisHosts() {
        var network = decide(List.of("coord-a:5701", "coord-b:5701", "coord-c:5701"), "");

        assertThat(network.bindAddress().getHostAddress()).isEqualTo("10.0.0.5");
        assertThat(network.memberHosts()).containsExactly("coord-a", "coord-b", "coord-c");
    }

    @Test
    void replicasOnOneHostShareLoopback() {
        assertThat(decide(List.of("127.0.0.1:5701", "127.0.0.1:5702"), "")
                        .bindAddress()
                        .getHostAddress())
                .isEqualTo("127.0.0.1");
    }

    @Test
    void aConfiguredBindAddressOfThisHostWins() {
        assertThat(decide(List.of("10.0.0.5:5701", "10.0.0.6:5701"), "192.168.7.5")
                        .bindAddress()
                        .getHostAddress())
                .isEqualTo("192.168.7.5");
    }

    @Test
    void refusesToGuessWhenNoListedAddressIsThisHosts() {
        assertThatThrownBy(() -> decide(List.of("coord-b:5701", "10.0.0.7"), ""))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("None of cohort.coordinator.cluster.members")
                .hasMessageContaining("Set cohort.coordinator.cluster.bind-address");
    }

    @Test
    void refusesToGuessWhenSeveralListedAddressesAreThisHosts() {
        assertThatThrownBy(() -> decide(List.of("10.0.0.5:5701", "192.168.7.5:5701", "coord-b"), ""))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Several of cohort.coordinator.cluster.members")
                .hasMessageContaining("10.0.0.5, 192.168.7.5");
    }

    @Test
    void refusesTheWildcardAnotherHostsAddressAndABindAddressWithoutReplicas() {
        assertThatThrownBy(() -> decide(List.of("coord-a", "coord-b"), "0.0.0.0"))
                .hasMessageContaining("is the wildcard address");
        assertThatThrownBy(() -> decide(List.of("coord-a", "coord-b"), "10.0.0.6"))
                .hasMessageContaining("is not an address of this host");
        assertThatThrownBy(() -> decide(List.of(), "10.0.0.5"))
                .hasMessageContaining("cohort.coordinator.cluster.members is empty");
    }

    @Test
    void readsTheHostOfEveryFormOfMembersEntry() {
        assertThat(ClusterNetwork.host("coord-a")).isEqualTo("coord-a");
        assertThat(ClusterNetwork.host(" 10.0.0.5:5701 ")).isEqualTo("10.0.0.5");
        assertThat(ClusterNetwork.host("[fd00::5]:5701")).isEqualTo("fd00::5");
        assertThat(ClusterNetwork.host("fd00::5")).isEqualTo("fd00::5");
    }

    static ClusterNetwork decide(List<String> members, String bindAddress) {
        return ClusterNetwork.decide(cluster(members, bindAddress, 0), THIS_HOST, RESOLVER);
    }

    static CoordinatorProperties.Cluster cluster(List<String> members, String bindAddress, int port) {
        return cluster("cohort-test", members, bindAddress, port);
    }

    /** Quorum 1, so that one replica of a listed pair can use the maps on its own. */
    static CoordinatorProperties.Cluster cluster(String name, List<String> members, String bindAddress, int port) {
        return new CoordinatorProperties.Cluster(name, port, members, 1, Duration.ofSeconds(5), bindAddress);
    }

    static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
