package org.cohort.coordinator.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LogBudgetTest {
    private final AtomicLong nanos = new AtomicLong(1_000);
    private final LogBudget budget = new LogBudget(3, Duration.ofMinutes(1), nanos::get);

    @Test
    void allowsSoManyLinesPerWindowAndCountsTheRest() {
        assertThat(budget.tryAcquire()).isZero();
        assertThat(budget.tryAcquire()).isZero();
        assertThat(budget.tryAcquire()).isZero();
        for (int i = 0; i < 1_000; i++) {
            assertThat(budget.tryAcquire()).isEqualTo(-1);
        }
        nanos.addAndGet(Duration.ofSeconds(59).toNanos());
        assertThat(budget.tryAcquire()).isEqualTo(-1);
        nanos.addAndGet(Duration.ofSeconds(1).toNanos());
        // A new window: the first line reports how many were left out.
        assertThat(budget.tryAcquire()).isEqualTo(1_001);
        assertThat(budget.tryAcquire()).isZero();
    }

    @Test
    void aFloodWritesABoundedNumberOfLines() {
        long written = 0;
        for (int second = 0; second < 600; second++) {
            for (int i = 0; i < 1_000; i++) {
                if (budget.tryAcquire() >= 0) {
                    written++;
                }
            }
            nanos.addAndGet(Duration.ofSeconds(1).toNanos());
        }
        assertThat(written).isEqualTo(3 * 10); // ten minutes, three lines a minute
    }
}
