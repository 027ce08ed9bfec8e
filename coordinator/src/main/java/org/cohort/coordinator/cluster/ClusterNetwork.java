package org.cohort.coordinator.cluster;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.cohort.coordinator.config.CoordinatorProperties;

/**
 * Where this replica's cluster port listens and whose connections it takes, decided once at
 * startup. Hazelcast Community authenticates no member and encrypts nothing, so the port listens
 * on one address only (loopback for a single coordinator; with replicas, the address they reach
 * this one on, never every interface) and takes connections only from the listed members.
 *
 * @param bindAddress the one address the cluster port listens on
 * @param memberHosts host names or IP literals of {@code cluster.members}; empty for a single coordinator
 */
record ClusterNetwork(InetAddress bindAddress, List<String> memberHosts) {

    /** Every address a host name or IP literal stands for (DNS, replaced in tests). */
    interface Resolver {
        List<InetAddress> resolve(String host) throws UnknownHostException;
    }

    static final Resolver DNS = host -> List.of(InetAddress.getAllByName(host));

    private static final String BIND_ADDRESS = "cohort.coordinator.cluster.bind-address";

    ClusterNetwork {
        memberHosts = List.copyOf(memberHosts);
    }

    boolean singleMember() {
        return memberHosts.isEmpty();
    }

    /**
     * @throws IllegalStateException with what to configure, when the bind address is not one of
     *     this host's, or none is configured and the members list does not name exactly one of them
     */
    static ClusterNetwork decide(
            CoordinatorProperties.Cluster cluster, Set<InetAddress> localAddresses, Resolver resolver) {
        List<String> hosts =
                cluster.members().stream().map(ClusterNetwork::host).distinct().toList();
        String configured = cluster.bindAddress().strip();
        if (hosts.isEmpty()) {
            if (!configured.isEmpty()) {
                throw new IllegalStateException(
                        BIND_ADDRESS + " is set but cohort.coordinator.cluster.members is empty: a"
                                + " single coordinator's cluster port listens on loopback only. List the replicas in"
                                + " cluster.members, or remove " + BIND_ADDRESS + ".");
            }
            return new ClusterNetwork(loopback(), List.of());
        }
        if (!configured.isEmpty()) {
            return new ClusterNetwork(configuredAddress(configured, localAddresses, resolver), hosts);
        }
        Set<InetAddress> ours = new LinkedHashSet<>();
        for (String host : hosts) {
            try {
                resolver.resolve(host).stream().filter(localAddresses::contains).forEach(ours::add);
            } catch (UnknownHostException e) {
                // Another replica's name that does not resolve yet: it cannot be this host's address anyway.
            }
        }
        if (ours.size() == 1) {
            return new ClusterNetwork(ours.iterator().next(), hosts);
        }
        throw new IllegalStateException((ours.isEmpty()
                        ? "None of cohort.coordinator.cluster.members " + cluster.members()
                                + " is an address of this host (" + names(localAddresses) + ")"
                        : "Several of cohort.coordinator.cluster.members are addresses of this host (" + names(ours)
                                + ")")
                + ", so the cluster port's address cannot be inferred. Set " + BIND_ADDRESS + " to the one address"
                + " the other replicas reach this one on (it never listens on every interface).");
    }

    private static InetAddress configuredAddress(
            String configured, Set<InetAddress> localAddresses, Resolver resolver) {
        InetAddress address;
        try {
            List<InetAddress> all = resolver.resolve(configured);
            if (all.size() != 1) {
                throw new IllegalStateException(BIND_ADDRESS + "=" + configured + " stands for several addresses "
                        + names(all) + "; give one IP address.");
            }
            address = all.get(0);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(
                    BIND_ADDRESS + "=" + configured + " does not resolve; give an IP address of this host.", e);
        }
        if (address.isAnyLocalAddress()) {
            throw new IllegalStateException(BIND_ADDRESS + "=" + configured + " is the wildcard address; the cluster"
                    + " port listens on one address, the one the other replicas reach this one on.");
        }
        if (!localAddresses.contains(address)) {
            throw new IllegalStateException(BIND_ADDRESS + "=" + configured + " is not an address of this host ("
                    + names(localAddresses) + ").");
        }
        return address;
    }

    /** The host of a members entry: {@code host}, {@code host:port}, {@code [v6]:port} or a bare IPv6 literal. */
    static String host(String member) {
        String m = member.strip();
        if (m.startsWith("[")) {
            int end = m.indexOf(']');
            if (end < 0) {
                throw new IllegalStateException(
                        "cohort.coordinator.cluster.members entry '" + member + "' has no closing ']'");
            }
            return m.substring(1, end);
        }
        int colon = m.indexOf(':');
        return colon >= 0 && colon == m.lastIndexOf(':') ? m.substring(0, colon) : m;
    }

    /** Every address of this host's network interfaces. */
    static Set<InetAddress> localAddresses() {
        try {
            return NetworkInterface.networkInterfaces()
                    .flatMap(NetworkInterface::inetAddresses)
                    .collect(Collectors.toCollection(LinkedHashSet::new));
        } catch (SocketException e) {
            throw new IllegalStateException("cannot list this host's network interfaces: " + e.getMessage(), e);
        }
    }

    static InetAddress loopback() {
        try {
            return InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
        } catch (UnknownHostException e) {
            throw new AssertionError("a four-byte address is always valid", e);
        }
    }

    private static String names(java.util.Collection<InetAddress> addresses) {
        return addresses.stream().map(InetAddress::getHostAddress).collect(Collectors.joining(", "));
    }
}
