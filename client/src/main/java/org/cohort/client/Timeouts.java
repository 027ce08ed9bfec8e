package org.cohort.client;

import java.time.Duration;

/**
 * How long a call may wait: to connect, and for the whole answer. Callers differ on purpose: a
 * person running the CLI waits minutes for a long study's PLD report, a test fails within one.
 */
public record Timeouts(Duration connect, Duration request) {

    /** 5 s to connect, a minute for an answer: what a running federation answers within. */
    public static final Timeouts DEFAULT = new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(60));

    public Timeouts {
        if (connect == null
                || request == null
                || connect.isNegative()
                || connect.isZero()
                || request.isNegative()
                || request.isZero()) {
            throw new IllegalArgumentException(
                    "timeouts must be positive, got connect " + connect + ", request " + request);
        }
    }
}
