package org.cohort.agent;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retries enrollment while the coordinator cannot be reached or is too busy to finish a handshake
 * (a coordinator still starting, a replica restarting, a loaded host closing a TLS handshake after
 * its 10 s limit): an agent started next to its coordinator should not give up on the first
 * refused connection. A refusal that another try would repeat (a bad or used token, a malformed
 * request, a TLS handshake that failed on a certificate, such as a CA that does not match the pin)
 * ends at once.
 *
 * <p>Delays double from {@code first} up to {@code longest}; {@code attempts} bounds the whole wait
 * (the defaults give up after about two minutes), and the sleeper is a parameter so tests need no
 * clock.
 */
record EnrollmentRetry(int attempts, Duration first, Duration longest, Sleeper sleeper) {
    private static final Logger log = LoggerFactory.getLogger(EnrollmentRetry.class);

    /** 8 tries, 1 s doubling to 30 s: 1 + 2 + 4 + 8 + 16 + 30 + 30 = 91 s of waiting at most. */
    static final EnrollmentRetry DEFAULT =
            new EnrollmentRetry(8, Duration.ofSeconds(1), Duration.ofSeconds(30), Thread::sleep);

    EnrollmentRetry {
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be at least 1");
        }
    }

    /** How the wait between tries is spent; {@link Thread#sleep(long)} outside tests. */
    @FunctionalInterface
    interface Sleeper {
        void sleep(long millis) throws InterruptedException;
    }

    /** Whether another try may get a different answer. */
    static boolean worthRetrying(Status.Code code) {
        return switch (code) {
            case UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED -> true;
            default -> false;
        };
    }

    /** The wait before try {@code attempt + 1} (attempt counts from 1). */
    Duration delayAfter(int attempt) {
        long millis = first.toMillis() << Math.min(attempt - 1, 20);
        return Duration.ofMillis(Math.min(millis, longest.toMillis()));
    }

    /**
     * Runs {@code enroll} until it returns, throws something not worth retrying, or has been tried
     * {@link #attempts} times; the last failure is thrown, its message saying how many tries there were.
     */
    <T> T run(Supplier<T> enroll) {
        for (int attempt = 1; ; attempt++) {
            try {
                return enroll.get();
            } catch (StatusRuntimeException e) {
                if (!worthRetrying(e.getStatus().getCode())
                        || TlsRefusal.explain(e.getStatus()).isPresent()) {
                    // A handshake that failed on a certificate (a wrong pin, a foreign CA) fails the same way again.
                    throw e;
                }
                if (attempt >= attempts) {
                    throw new StatusRuntimeException(e.getStatus()
                            .augmentDescription("gave up after " + attempts + " tries; check that the coordinator"
                                    + " is running and its agent port reachable from here, then start the agent"
                                    + " again: it sends the same request with the same keys, which the coordinator"
                                    + " answers within 30 minutes of using the token, or at any time before"
                                    + " the token expires if it never received it"));
                }
                Duration wait = delayAfter(attempt);
                log.warn(
                        "enrollment try {} of {} failed ({}); trying again in {} s",
                        attempt,
                        attempts,
                        e.getStatus().getCode(),
                        wait.toSeconds());
                try {
                    sleeper.sleep(wait.toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }
}
