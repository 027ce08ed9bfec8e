package org.cohort.coordinator.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HeartbeatMetricsTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @BeforeEach
    void join() {
        Metrics.addRegistry(registry);
    }

    @AfterEach
    void leave() {
        Metrics.removeRegistry(registry);
    }

    @Test
    void aReportedRoundTripIsRecordedAndAnImplausibleOneIsNot() {
        HeartbeatMetrics.roundTrip(1_500);
        HeartbeatMetrics.roundTrip(0); // before the agent's first ack
        HeartbeatMetrics.roundTrip(-5);
        HeartbeatMetrics.roundTrip(3_600_000_000L); // an hour: a site skewing the metric

        var timer = registry.get("cohort.heartbeat.rtt").timer();
        assertThat(timer.count()).isEqualTo(1);
        assertThat(timer.totalTime(TimeUnit.MICROSECONDS)).isEqualTo(1_500);
    }
}
