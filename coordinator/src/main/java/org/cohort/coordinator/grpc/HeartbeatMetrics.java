package org.cohort.coordinator.grpc;

import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * The heartbeat round trip agents measure and report ({@code cohort_heartbeat_rtt_seconds}): how
 * far the sites are, as the operator sees it. A site states its own figure, so a hostile one can
 * only skew this metric; values outside 0 to 10 minutes are not recorded.
 */
final class HeartbeatMetrics {
    private static final long MOST_MICROS = Duration.ofMinutes(10).toNanos() / 1000;

    private HeartbeatMetrics() {}

    static void roundTrip(long micros) {
        if (micros > 0 && micros <= MOST_MICROS) {
            Timer.builder("cohort.heartbeat.rtt")
                    .description("heartbeat round trip as the agents measure it")
                    .register(Metrics.globalRegistry)
                    .record(Duration.ofNanos(micros * 1000));
        }
    }
}
