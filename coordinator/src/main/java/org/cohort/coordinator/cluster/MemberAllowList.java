package org.cohort.coordinator.cluster;

import com.hazelcast.nio.MemberSocketInterceptor;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;

/**
 * The member port's accept check: a connection whose TCP peer is not an address of one of
 * {@code cluster.members} is closed before Hazelcast reads a byte from it. It looks at the
 * socket's real source address, not at the address a joining member claims in its handshake
 * (anyone can write that), so a stranger can neither join nor send operations as a member. With
 * no members listed (a single coordinator) it takes no connection at all.
 *
 * <p>It cannot tell processes on one host apart: every process on a listed host (and on this one,
 * when replicas share loopback) is let through to the handshake, which is why secrets in the
 * cluster are also sealed ({@link EncryptingSerializer}).
 */
final class MemberAllowList implements MemberSocketInterceptor {
    private final List<String> hosts;
    private final ClusterNetwork.Resolver resolver;
    private volatile Set<InetAddress> allowed;

    MemberAllowList(List<String> hosts, ClusterNetwork.Resolver resolver) {
        this.hosts = List.copyOf(hosts);
        this.resolver = resolver;
        this.allowed = resolveAll();
    }

    boolean allows(InetAddress peer) {
        if (allowed.contains(peer)) {
            return true;
        }
        // A replica's name may point somewhere new since the last look-up (the JVM caches look-ups,
        // so a stranger knocking repeatedly does not turn into as many DNS queries).
        allowed = resolveAll();
        return allowed.contains(peer);
    }

    @Override
    public void onAccept(Socket socket) throws IOException {
        InetAddress peer = socket.getInetAddress();
        if (!allows(peer)) {
            // Hazelcast logs this (with the peer) and closes the socket.
            throw new IOException("refused a connection to the cluster port from " + peer.getHostAddress() + ": "
                    + (hosts.isEmpty()
                            ? "a single coordinator (no cohort.coordinator.cluster.members) takes none"
                            : "not an address of cohort.coordinator.cluster.members " + hosts));
        }
    }

    @Override
    public void onConnect(Socket socket) {
        // Outgoing connections go only to the listed members (TCP-IP join); nothing to check.
    }

    @Override
    public void init(Properties properties) {}

    private Set<InetAddress> resolveAll() {
        Set<InetAddress> addresses = new HashSet<>();
        for (String host : hosts) {
            try {
                addresses.addAll(resolver.resolve(host));
            } catch (UnknownHostException e) {
                // Not resolvable now (a replica not yet in DNS): nobody is let in under that name until it is.
            }
        }
        return Set.copyOf(addresses);
    }
}
