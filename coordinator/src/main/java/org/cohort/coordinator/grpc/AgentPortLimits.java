package org.cohort.coordinator.grpc;

import java.time.Duration;
import org.cohort.coordinator.config.CoordinatorProperties;

/**
 * How long and how many connections the agent port keeps, so that connections nobody uses
 * cannot pile up until the coordinator runs out of file descriptors. Each default says why it
 * has its value; an operator may override any of them ({@code cohort.coordinator.agent-port.*}).
 *
 * @param handshakeTimeout         a new connection must finish TLS and the HTTP/2 preface within this
 * @param maxConnectionIdle        a connection with no call open is closed after this
 * @param maxConnectionAge         every connection is asked to reconnect (GOAWAY) after this
 * @param maxConnectionAgeGrace    calls still open then get this long to finish
 * @param unauthenticatedLifetime  a connection without a client certificate is closed after this, whatever it does
 * @param maxConnectionsPerAddress connections one remote address may hold at once
 */
public record AgentPortLimits(
        Duration handshakeTimeout,
        Duration maxConnectionIdle,
        Duration maxConnectionAge,
        Duration maxConnectionAgeGrace,
        Duration unauthenticatedLifetime,
        int maxConnectionsPerAddress) {

    /**
     * A TLS 1.3 handshake is one round trip and the HTTP/2 preface another: 10 s leaves room for a
     * slow hospital link and a busy coordinator, and a client that opens sockets and then says
     * nothing holds each for 10 s, not the 120 s gRPC allows by default.
     */
    public static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    /**
     * An agent always holds its session call open, so only connections nobody uses are idle:
     * enrollment channels left open, a site between reconnects, a stranger that answers pings.
     * Two minutes is long past any agent's pause between calls.
     */
    public static final Duration MAX_CONNECTION_IDLE = Duration.ofMinutes(2);

    /**
     * Bounds the life of any connection, authenticated or not (a call held open never makes a
     * connection idle), and spreads agents over replicas again after a failover. Agents reconnect
     * within a second, so once every two hours costs them nothing.
     */
    public static final Duration MAX_CONNECTION_AGE = Duration.ofHours(2);

    /**
     * After the GOAWAY of {@link #MAX_CONNECTION_AGE}, a model download or update upload in progress
     * gets this long to finish on the old connection (new calls already use a new one); what is
     * still open then is cut, and an upload resumes where it stopped.
     */
    public static final Duration MAX_CONNECTION_AGE_GRACE = Duration.ofMinutes(15);

    /**
     * Without a client certificate a connection can only enroll: one call that takes a few
     * seconds (the agent gives it 55 s). One minute later it is closed, even with a call held open.
     */
    public static final Duration UNAUTHENTICATED_LIFETIME = Duration.ofMinutes(1);

    /**
     * An agent holds one connection (two for a moment after a GOAWAY). Sixteen leaves room for
     * several sites behind one NAT address; a stranger from one address gets no more than that.
     * Raise it where more sites share an address (the simulation runs hundreds on loopback).
     */
    public static final int MAX_CONNECTIONS_PER_ADDRESS = 16;

    public static final AgentPortLimits DEFAULTS = new AgentPortLimits(
            HANDSHAKE_TIMEOUT,
            MAX_CONNECTION_IDLE,
            MAX_CONNECTION_AGE,
            MAX_CONNECTION_AGE_GRACE,
            UNAUTHENTICATED_LIFETIME,
            MAX_CONNECTIONS_PER_ADDRESS);

    public AgentPortLimits {
        for (Duration d : new Duration[] {
            handshakeTimeout, maxConnectionIdle, maxConnectionAge, maxConnectionAgeGrace, unauthenticatedLifetime
        }) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(
                        "cohort.coordinator.agent-port durations must be positive, got " + d);
            }
        }
        if (maxConnectionsPerAddress < 1) {
            throw new IllegalArgumentException("cohort.coordinator.agent-port.max-connections-per-address must be at"
                    + " least 1, got " + maxConnectionsPerAddress);
        }
    }

    /** The defaults, with what the operator set instead. */
    public static AgentPortLimits from(CoordinatorProperties.AgentPort set) {
        if (set == null) {
            return DEFAULTS;
        }
        return new AgentPortLimits(
                or(set.handshakeTimeout(), HANDSHAKE_TIMEOUT),
                or(set.maxConnectionIdle(), MAX_CONNECTION_IDLE),
                or(set.maxConnectionAge(), MAX_CONNECTION_AGE),
                or(set.maxConnectionAgeGrace(), MAX_CONNECTION_AGE_GRACE),
                or(set.unauthenticatedLifetime(), UNAUTHENTICATED_LIFETIME),
                set.maxConnectionsPerAddress() == null ? MAX_CONNECTIONS_PER_ADDRESS : set.maxConnectionsPerAddress());
    }

    private static Duration or(Duration set, Duration otherwise) {
        return set == null ? otherwise : set;
    }
}
