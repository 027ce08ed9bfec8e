package org.cohort.protocol;

import java.time.Duration;

/** Limits shared by coordinator and agents; each says why it has the value it has. */
public final class ProtocolLimits {
    private ProtocolLimits() {}

    /**
     * Values per tensor chunk: 256 Ki float32 = 1 MiB of payload. Small enough that a chunk
     * plus framing sits far below {@link #MAX_MESSAGE_BYTES}, large enough that per-message
     * overhead is negligible (&lt; 0.01%).
     */
    public static final int CHUNK_VALUES = 256 * 1024;

    /** Bytes per float32 value on the wire. */
    public static final int FLOAT32_BYTES = 4;

    /**
     * Largest single gRPC message either side accepts: 4 MiB (the gRPC default). Everything
     * large is streamed in chunks, so only a malformed or hostile peer gets near it.
     */
    public static final int MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

    /** Largest model the coordinator accepts: 2^31-1 values (Java array bound of one vector). */
    public static final long MAX_PARAMETERS = Integer.MAX_VALUE - 8L;

    /** Length of the per-round nonce; 256 bits makes collisions irrelevant. */
    public static final int NONCE_BYTES = 32;

    /**
     * How often agents send heartbeats. Liveness only: a site is dropped from a round by the
     * round's deadline, never by missing heartbeats.
     */
    public static final Duration HEARTBEAT_INTERVAL = Duration.ofSeconds(5);

    /**
     * HTTP/2 keepalive ping interval of agents. Must be no shorter than the server's
     * {@link #PERMIT_KEEPALIVE_TIME}, or the server answers with GOAWAY "too_many_pings".
     */
    public static final Duration CLIENT_KEEPALIVE_TIME = Duration.ofSeconds(30);

    /** Shortest keepalive interval the coordinator tolerates from an agent. */
    public static final Duration PERMIT_KEEPALIVE_TIME = Duration.ofSeconds(20);

    /** How long a keepalive ping may go unanswered before the connection is considered dead. */
    public static final Duration KEEPALIVE_TIMEOUT = Duration.ofSeconds(20);
}
