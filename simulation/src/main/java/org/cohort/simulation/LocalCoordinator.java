package org.cohort.simulation;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.cohort.client.CoordinatorClient;

/**
 * Reaching a coordinator this program started on this machine: its REST port on the loopback,
 * its admin token from its data directory. The demo, the benchmarks and the tests start their own.
 */
public final class LocalCoordinator {
    /** How long the status probe waits while the coordinator starts: it answers quickly once it is up. */
    private static final Duration PROBE = Duration.ofSeconds(2);

    private LocalCoordinator() {}

    /** A client of the coordinator listening on {@code restPort} of this machine. */
    public static CoordinatorClient client(int restPort, String adminToken) {
        return CoordinatorClient.connect(URI.create("http://127.0.0.1:" + restPort), adminToken);
    }

    /**
     * Waits until a coordinator started on {@code dataDir} answers on {@code restPort} with its
     * admin token, printing a dot a second; gives up after {@code timeout}, or as soon as
     * {@code alive} says the process has died.
     */
    public static CoordinatorClient awaitStarted(
            Path dataDir, int restPort, Duration timeout, BooleanSupplier alive, Path log)
            throws InterruptedException, IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && alive.getAsBoolean()) {
            Path tokenFile = dataDir.resolve("admin-token");
            if (Files.exists(tokenFile)) {
                var client = client(restPort, Files.readString(tokenFile).strip());
                if (client.reachable(PROBE)) {
                    return client;
                }
            }
            System.out.print(".");
            System.out.flush();
            Thread.sleep(1000);
        }
        throw new IllegalStateException(
                "the coordinator did not come up within " + timeout.toSeconds() + " s; see " + log);
    }
}
