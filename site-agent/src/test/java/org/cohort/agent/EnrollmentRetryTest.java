package org.cohort.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class EnrollmentRetryTest {
    private final List<Long> slept = new ArrayList<>();
    private final EnrollmentRetry retry =
            new EnrollmentRetry(4, Duration.ofSeconds(1), Duration.ofSeconds(3), slept::add);

    @Test
    void aCoordinatorThatIsNotUpYetIsTriedAgainWithGrowingWaits() {
        var tries = new AtomicInteger();
        String identity = retry.run(() -> {
            if (tries.incrementAndGet() < 4) {
                throw Status.UNAVAILABLE
                        .withDescription("Network closed for unknown reason")
                        .asRuntimeException();
            }
            return "enrolled";
        });
        assertEquals("enrolled", identity);
        assertEquals(4, tries.get());
        assertEquals(List.of(1000L, 2000L, 3000L), slept, "1 s doubling, capped at the longest wait");
    }

    @Test
    void aRefusedTokenIsNotTriedAgain() {
        var tries = new AtomicInteger();
        var refused =
                Status.PERMISSION_DENIED.withDescription("token already used").asRuntimeException();
        var thrown = assertThrows(
                StatusRuntimeException.class,
                () -> retry.run(() -> {
                    tries.incrementAndGet();
                    throw refused;
                }));
        assertSame(refused, thrown);
        assertEquals(1, tries.get());
        assertTrue(slept.isEmpty());
    }

    @Test
    void aHandshakeRefusedOnACertificateIsNotTriedAgain() {
        var tries = new AtomicInteger();
        var wrongPin = Status.UNAVAILABLE
                .withDescription("ssl exception")
                .withCause(new javax.net.ssl.SSLHandshakeException(
                        "the coordinator's CA does not match the pinned" + " fingerprint"))
                .asRuntimeException();
        assertThrows(
                StatusRuntimeException.class,
                () -> retry.run(() -> {
                    tries.incrementAndGet();
                    throw wrongPin;
                }));
        assertEquals(1, tries.get());
        assertTrue(slept.isEmpty());
    }

    @Test
    void givingUpSaysHowManyTriesAndWhatToDo() {
        var tries = new AtomicInteger();
        var thrown = assertThrows(
                StatusRuntimeException.class,
                () -> retry.run(() -> {
                    tries.incrementAndGet();
                    throw Status.DEADLINE_EXCEEDED
                            .withDescription("handshake timed out")
                            .asRuntimeException();
                }));
        assertEquals(4, tries.get());
        assertEquals(Status.Code.DEADLINE_EXCEEDED, thrown.getStatus().getCode());
        assertTrue(thrown.getStatus().getDescription().contains("gave up after 4 tries"), thrown.getMessage());
        assertTrue(thrown.getStatus().getDescription().contains("handshake timed out"), thrown.getMessage());
    }

    @Test
    void onlyAnswersThatMayChangeAreWorthRetrying() {
        for (var code : List.of(
                Status.Code.UNAVAILABLE,
                Status.Code.DEADLINE_EXCEEDED,
                Status.Code.RESOURCE_EXHAUSTED,
                Status.Code.ABORTED)) {
            assertTrue(EnrollmentRetry.worthRetrying(code), code.name());
        }
        for (var code : List.of(
                Status.Code.PERMISSION_DENIED,
                Status.Code.INVALID_ARGUMENT,
                Status.Code.UNAUTHENTICATED,
                Status.Code.FAILED_PRECONDITION)) {
            assertTrue(!EnrollmentRetry.worthRetrying(code), code.name());
        }
    }
}
