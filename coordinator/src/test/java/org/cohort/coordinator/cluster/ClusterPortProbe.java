package org.cohort.coordinator.cluster;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * What an outsider on the replicas' network tries against a coordinator's cluster port; run by
 * {@link ClusterPortNamespaceTest} in its own JVM inside a network namespace, so it connects from a
 * non-loopback address that is not one of the listed members. Prints one {@code PROBE} line per attempt.
 *
 * <p>Arguments: cluster name, the member port (host:port), another listed address of the same host
 * with the same port (host:port), and this probe's own address.
 */
public final class ClusterPortProbe {
    private ClusterPortProbe() {}

    public static void main(String[] args) {
        String name = args[0];
        String memberPort = args[1];
        String otherListedAddress = args[2];
        String ownAddress = args[3];
        System.out.println("PROBE client " + client(name, memberPort));
        System.out.println("PROBE member " + member(name, memberPort, ownAddress));
        System.out.println("PROBE other-address " + connect(otherListedAddress));
        System.exit(0);
    }

    /** A plain Hazelcast client that knows only the cluster name, as in the issue. */
    private static String client(String name, String address) {
        ClientConfig config = new ClientConfig().setClusterName(name);
        config.setProperty("hazelcast.logging.type", "none");
        config.getNetworkConfig().addAddress(address);
        config.getConnectionStrategyConfig().getConnectionRetryConfig().setClusterConnectTimeoutMillis(3_000);
        try {
            var client = HazelcastClient.newHazelcastClient(config);
            int rounds = client.getMap("cohort.rounds").size();
            client.shutdown();
            return "CONNECTED (read cohort.rounds: " + rounds + " entries)";
        } catch (IllegalStateException e) {
            return "REFUSED (" + e.getMessage() + ")";
        }
    }

    /** A Hazelcast member that is not on the list, joining by TCP-IP with the right cluster name. */
    private static String member(String name, String address, String ownAddress) {
        Config config = new Config().setClusterName(name);
        config.setProperty("hazelcast.logging.type", "none");
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.getNetworkConfig().setPort(5701).getInterfaces().setEnabled(true).addInterface(ownAddress);
        var join = config.getNetworkConfig().getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).setConnectionTimeoutSeconds(2).addMember(address);
        var member = Hazelcast.newHazelcastInstance(config);
        int size = member.getCluster().getMembers().size();
        member.shutdown();
        return size == 1 ? "ALONE (it formed a cluster of its own)" : "JOINED (a cluster of " + size + ")";
    }

    /** A plain TCP connection to the port on another address of the coordinator's host. */
    private static String connect(String address) {
        int colon = address.lastIndexOf(':');
        try (var socket = new Socket()) {
            socket.connect(
                    new InetSocketAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1))),
                    3_000);
            return "LISTENING";
        } catch (IOException e) {
            return "NOT-LISTENING (" + e.getMessage() + ")";
        }
    }
}
