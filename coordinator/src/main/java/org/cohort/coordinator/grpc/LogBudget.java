package org.cohort.coordinator.grpc;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * At most so many log lines per time window, so that a flood of refused connections cannot fill
 * the coordinator's disk; what was left out is counted and reported with the next line allowed.
 * Time comes from an injected nanosecond ticker, so tests advance it instead of sleeping.
 */
final class LogBudget {
    private final int linesPerWindow;
    private final long windowNanos;
    private final LongSupplier ticker;
    private long windowStart;
    private int used;
    private long suppressed;

    LogBudget(int linesPerWindow, Duration window, LongSupplier nanoTicker) {
        if (linesPerWindow < 1 || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("a log budget needs at least one line per positive window");
        }
        this.linesPerWindow = linesPerWindow;
        this.windowNanos = window.toNanos();
        this.ticker = nanoTicker;
        this.windowStart = nanoTicker.getAsLong();
    }

    /**
     * Asks to log one line now: -1 when the budget of this window is spent (the line is counted as
     * left out), otherwise how many lines were left out since the last one logged.
     */
    synchronized long tryAcquire() {
        long now = ticker.getAsLong();
        if (now - windowStart >= windowNanos) {
            windowStart = now;
            used = 0;
        }
        if (used >= linesPerWindow) {
            suppressed++;
            return -1;
        }
        used++;
        long left = suppressed;
        suppressed = 0;
        return left;
    }
}
