package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.cohort.client.CoordinatorClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Many sites at once (correctness, no timing): 100 lightweight agents enroll with their own
 * one-time tokens and hold mutual-TLS sessions with the real coordinator at the same time; the
 * coordinator lists every one as connected, acknowledges every heartbeat, and sees every session
 * end when the agents close. The benchmark with 1,000 is {@code bench.SessionsBenchmark}.
 */
class ManySessionsIntegrationTest {
    private static final int SITES = 100;

    @Test
    void hundredAgentsHoldSessionsWithHeartbeatsAndAllAreSeenToLeave(@TempDir Path dir) throws Exception {
        try (var coordinator = InProcessCoordinator.start(
                        dir.resolve("coordinator"), "--cohort.coordinator.heartbeat-interval=200ms");
                var shared = new LightAgent.Shared(2)) {
            CoordinatorClient api = coordinator.client();
            List<LightAgent> agents = enroll(api, coordinator.agentAddress(), shared);
            try {
                List<CompletableFuture<?>> welcomes = new ArrayList<>();
                for (LightAgent agent : agents) {
                    welcomes.add(agent.connect(Set.of("study-x"), null));
                }
                CompletableFuture.allOf(welcomes.toArray(CompletableFuture[]::new))
                        .get(60, TimeUnit.SECONDS);

                // The coordinator lists all 100 as connected, with the study each accepted.
                JsonNode sites = api.sites().list();
                assertThat(sites).hasSize(SITES);
                for (JsonNode site : sites) {
                    assertThat(site.get("connected").asBoolean())
                            .as(site.get("siteId").asString())
                            .isTrue();
                    assertThat(site.get("acceptedStudies").get(0).asString()).isEqualTo("study-x");
                }
                assertThat(api.status().get("connectedSites").asInt()).isEqualTo(SITES);

                // Every agent gets several heartbeats acknowledged; after they stop, none is left unanswered.
                await(
                        "3 acknowledged heartbeats from every agent",
                        Duration.ofSeconds(20),
                        () -> agents.stream()
                                .allMatch(a -> a.heartbeats().stream()
                                                .filter(LightAgent.HeartbeatTiming::acknowledged)
                                                .count()
                                        >= 3));
                for (JsonNode site : api.sites().list()) {
                    assertThat(site.get("state").asString()).isEqualTo("IDLE"); // as the heartbeats report
                }
                agents.forEach(LightAgent::stopHeartbeats);
                await(
                        "every heartbeat acknowledged",
                        Duration.ofSeconds(10),
                        () -> agents.stream()
                                .allMatch(a ->
                                        a.heartbeats().stream().allMatch(LightAgent.HeartbeatTiming::acknowledged)));
                for (LightAgent agent : agents) {
                    assertThat(agent.ended()).as("session of " + agent.siteId()).isNotDone();
                }
            } finally {
                agents.forEach(LightAgent::close);
            }
            for (LightAgent agent : agents) {
                agent.awaitClosed(Duration.ofSeconds(10));
            }

            // The coordinator sees every session end.
            await(
                    "no site connected",
                    Duration.ofSeconds(20),
                    () -> api.status().get("connectedSites").asInt() == 0);
            for (JsonNode site : api.sites().list()) {
                assertThat(site.get("connected").asBoolean()).isFalse();
                assertThat(site.get("state").asString()).isEqualTo("OFFLINE");
            }
        }
    }

    /** Each agent its own one-time token; enrollment on virtual threads, 8 at a time. */
    private static List<LightAgent> enroll(CoordinatorClient api, String address, LightAgent.Shared shared)
            throws Exception {
        var futures = new ArrayList<Future<LightAgent>>();
        var permits = new Semaphore(8);
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < SITES; i++) {
                String name = "many-" + i;
                JsonNode token = api.enrollment().token(name, Duration.ofMinutes(10));
                futures.add(executor.submit(() -> {
                    permits.acquire();
                    try {
                        return LightAgent.enroll(
                                shared,
                                address,
                                token.get("caFingerprint").asString(),
                                token.get("token").asString(),
                                name);
                    } finally {
                        permits.release();
                    }
                }));
            }
        }
        var agents = new ArrayList<LightAgent>();
        for (var f : futures) {
            agents.add(f.get());
        }
        assertThat(agents.stream().map(LightAgent::siteId).distinct()).hasSize(SITES);
        return agents;
    }

    private static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout + ": " + what);
            }
            Thread.sleep(50);
        }
    }
}
