package org.cohort.coordinator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cohort.coordinator.cluster.ClusterNetworkTest.ip;

import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class MemberAllowListTest {

    @Test
    void takesConnectionsFromListedMembersOnly() {
        var allowList = new MemberAllowList(List.of("10.0.0.5", "10.0.0.6"), host -> List.of(ip(host)));

        assertThat(allowList.allows(ip("10.0.0.6"))).isTrue();
        assertThat(allowList.allows(ip("10.0.0.7"))).isFalse();
        assertThat(allowList.allows(ip("127.0.0.1"))).isFalse();
    }

    @Test
    void aSingleCoordinatorTakesNoConnectionAtAll() {
        var allowList = new MemberAllowList(List.of(), host -> List.of(ip(host)));

        assertThat(allowList.allows(ip("127.0.0.1"))).isFalse();
    }

    @Test
    void followsAReplicaThatMovedToANewAddress() {
        var dns = new AtomicReference<InetAddress>(ip("10.0.0.6"));
        var allowList = new MemberAllowList(List.of("coord-b"), host -> List.of(dns.get()));
        dns.set(ip("10.0.0.9"));

        assertThat(allowList.allows(ip("10.0.0.9"))).isTrue();
        assertThat(allowList.allows(ip("10.0.0.6"))).isFalse();
    }
}
