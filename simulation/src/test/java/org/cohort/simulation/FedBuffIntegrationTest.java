package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.cohort.agent.Dl4jLearner;
import org.cohort.agent.LocalLearner;
import org.cohort.protocol.v1.TaskKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * FedBuff end to end, over real gRPC and the real agent: with K = 1 the fast site's updates are
 * published round after round while the slow site is still on its first task (nothing waits for
 * it), and the slow site's update, trained from version 1, counts when it arrives two versions
 * later at s(2) = 1/√3 of its size. The order is forced with latches, not timing: the slow site
 * holds its update until the fast site has started its third task, and the fast site holds that
 * third task until the slow site's update is on record.
 */
class FedBuffIntegrationTest {
    static final int ROUNDS = 3;
    static final float SLOW_DELTA = 0.5f;

    @Test
    void theFastSiteIsPublishedWithoutWaitingAndTheSlowSitesStaleUpdateCountsAtOneOverRootThree(@TempDir Path dir)
            throws Exception {
        try (var fed = new TestFederation(dir, 2)) {
            var fedbuff = Map.<String, Object>of("strategy", "fedbuff", "strategyOptions", Map.of("bufferSize", 1));
            assertThatThrownBy(() -> fed.createStudy(
                            ROUNDS, 2, 120, Map.of("strategy", "fedbuff", "strategyOptions", Map.of("bufferSize", 3))))
                    .hasMessageContaining("bufferSize = 3 is more than minSites = 2");
            assertThatThrownBy(() -> fed.createStudy(
                            ROUNDS, 2, 120, Map.of("strategy", "fedbuff", "strategyOptions", Map.of("bufferSize", 0))))
                    .hasMessageContaining(
                            "bufferSize (updates fedbuff buffers before it publishes) must be at least 1");
            assertThatThrownBy(() -> fed.createStudy(
                            ROUNDS, 2, 120, Map.of("strategy", "fedbuff", "strategyOptions", Map.of("buffer", 1))))
                    .hasMessageContaining("strategyOptions.buffer is not an option of any strategy");
            String studyId = fed.createStudy(ROUNDS, 2, 120, fedbuff);

            var slowId = new AtomicReference<String>();
            var fastOnThirdTask = new CountDownLatch(1);
            var fastTrainings = new AtomicInteger();
            var problems = new ArrayList<String>();
            LocalLearner fastInner = new Dl4jLearner(fed.data.sites().get(0).dataFile());
            var fast = fed.startAgent(0, studyId, new ReplacedRun(fastInner, (task, config, global) -> {
                if (task.getKind() == TaskKind.TRAIN && fastTrainings.incrementAndGet() == ROUNDS) {
                    fastOnThirdTask.countDown();
                    if (!awaitReport(fed, studyId, slowId.get())) {
                        problems.add("the slow site's update was never put on record");
                    }
                }
                return fastInner.run(task, config, global);
            }));
            LocalLearner slowInner = new Dl4jLearner(fed.data.sites().get(1).dataFile());
            var slow = fed.startAgent(1, studyId, new ReplacedRun(slowInner, (task, config, global) -> {
                var outcome = slowInner.run(task, config, global);
                if (task.getKind() != TaskKind.TRAIN) {
                    return outcome;
                }
                try {
                    if (!fastOnThirdTask.await(3, TimeUnit.MINUTES)) {
                        problems.add("the fast site never got its third task while the slow site trained");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                float[] delta = new float[global.length];
                java.util.Arrays.fill(delta, SLOW_DELTA);
                return outcome.withDelta(delta);
            }));
            slowId.set(slow.siteId());

            JsonNode study = fed.startAndAwaitEnd(studyId, 2, Duration.ofMinutes(4));
            assertThat(problems).isEmpty();
            assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("COMPLETED");
            assertThat(study.get("currentVersion").asLong()).isEqualTo(1 + ROUNDS);

            var published = new ArrayList<JsonNode>();
            for (JsonNode r : fed.api.studies().rounds(studyId)) {
                if (r.get("kind").asString().equals("TRAIN")
                        && r.get("status").asString().equals("COMPLETED")) {
                    published.add(r);
                }
            }
            assertThat(published).hasSize(ROUNDS);
            // Versions 2 and 3: the fast site's alone, while the slow site was still on its task of version 1.
            for (int i = 0; i < 2; i++) {
                assertThat(published.get(i).get("baseVersion").asLong()).isEqualTo(1 + i);
                assertThat(names(published.get(i).get("reported"))).containsExactly(fast.siteId());
            }
            // Version 4: the slow site's update of version 1, applied to version 3 (τ = 2).
            assertThat(published.get(2).get("baseVersion").asLong()).isEqualTo(3);
            assertThat(names(published.get(2).get("reported"))).containsExactly(slow.siteId());

            float[] v3 = parameters(fed, studyId, 3, dir);
            float[] v4 = parameters(fed, studyId, 4, dir);
            double expected = SLOW_DELTA / Math.sqrt(3); // K = 1: Δ̄ = n·s(2)·Δ / n
            for (int j = 0; j < v3.length; j++) {
                assertThat((double) (v4[j] - v3[j])).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-5));
            }
        }
    }

    /** Waits (event-driven, bounded) until a round of the study shows the site's update as accepted. */
    private static boolean awaitReport(TestFederation fed, String studyId, String site) {
        long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (System.nanoTime() < until) {
            for (JsonNode r : fed.api.studies().rounds(studyId)) {
                if (names(r.get("reported")).contains(site)) {
                    return true;
                }
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    private static List<String> names(JsonNode array) {
        var out = new ArrayList<String>();
        array.forEach(n -> out.add(n.asString()));
        return out;
    }

    private static float[] parameters(TestFederation fed, String studyId, long version, Path dir) throws Exception {
        Path file = dir.resolve("v" + version + ".f32");
        fed.api.studies().downloadParameters(studyId, version, file);
        var values = ByteBuffer.wrap(Files.readAllBytes(file))
                .order(ByteOrder.LITTLE_ENDIAN)
                .asFloatBuffer();
        float[] out = new float[values.remaining()];
        values.get(out);
        return out;
    }
}
