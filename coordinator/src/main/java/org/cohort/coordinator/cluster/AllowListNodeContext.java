package org.cohort.coordinator.cluster;

import com.hazelcast.instance.EndpointQualifier;
import com.hazelcast.instance.ProtocolType;
import com.hazelcast.instance.impl.DefaultNodeContext;
import com.hazelcast.instance.impl.DefaultNodeExtension;
import com.hazelcast.instance.impl.Node;
import com.hazelcast.instance.impl.NodeExtension;
import com.hazelcast.nio.MemberSocketInterceptor;

/**
 * Hazelcast's default node with {@link MemberAllowList} as the member port's accept hook.
 *
 * <p>Hazelcast Community has no public way to refuse a member by address: member authentication,
 * TLS and socket interceptors are Enterprise features (the community node extension answers
 * "SocketInterceptor feature is only available on Hazelcast Enterprise" and returns none), and its
 * trusted-interfaces setting only filters multicast join messages. The acceptor does call the
 * node extension for an interceptor on every accepted socket, before the first byte is read, so
 * this subclass supplies one. It is internal API ({@code com.hazelcast.instance.impl}):
 * ClusterIsolationTest fails if an upgrade stops calling it.
 */
final class AllowListNodeContext extends DefaultNodeContext {
    private final MemberSocketInterceptor allowList;

    AllowListNodeContext(MemberSocketInterceptor allowList) {
        this.allowList = allowList;
    }

    @Override
    public NodeExtension createNodeExtension(Node node) {
        return new DefaultNodeExtension(node) {
            @Override
            public MemberSocketInterceptor getSocketInterceptor(EndpointQualifier endpoint) {
                return endpoint.getType() == ProtocolType.MEMBER ? allowList : null;
            }
        };
    }
}
