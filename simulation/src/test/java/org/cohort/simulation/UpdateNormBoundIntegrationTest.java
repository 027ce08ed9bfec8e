package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.cohort.agent.Dl4jLearner;
import org.cohort.agent.LocalLearner;
import org.cohort.privacy.clip.L2Clipping;
import org.cohort.protocol.v1.TaskKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * secureAggregation.maxUpdateNorm end to end: each honest agent clips its whole update to the bound
 * before quantizing and masking it, so the sum the coordinator unmasks is the sum of the clipped
 * updates — the next model is exactly the base plus their mean (up to the ring's rounding), not the
 * mean of what the trainers returned.
 */
class UpdateNormBoundIntegrationTest {
    static final int SITES = 3;
    static final double BOUND = 0.5;

    /** Site i's trainer returns this update, of norm far above the bound, in its own direction. */
    static float[] returned(int site, int length) {
        float[] d = new float[length];
        for (int j = 0; j < length; j++) {
            d[j] = ((j + site) % 3 - 1) * (site + 1) * 8f;
        }
        return d;
    }

    @Test
    void theUnmaskedSumIsTheSumOfTheUpdatesClippedBeforeMasking(@TempDir Path dir) throws Exception {
        try (var fed = new TestFederation(dir, SITES)) {
            String studyId = fed.createStudy(
                    1,
                    SITES,
                    120,
                    Map.of(
                            "secureAggregation",
                            Map.of(
                                    "enabled",
                                    true,
                                    "clipRange",
                                    4.0,
                                    "stageTimeoutSeconds",
                                    20,
                                    "maxUpdateNorm",
                                    BOUND)));
            for (int i = 0; i < SITES; i++) {
                final int site = i;
                LocalLearner inner = new Dl4jLearner(fed.data.sites().get(i).dataFile());
                fed.startAgent(i, studyId, new ReplacedRun(inner, (task, config, global) -> {
                    var outcome = inner.run(task, config, global);
                    return task.getKind() == TaskKind.TRAIN
                            ? outcome.withDelta(returned(site, global.length))
                            : outcome;
                }));
            }
            JsonNode study = fed.startAndAwaitEnd(studyId, SITES, Duration.ofMinutes(3));
            assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("COMPLETED");
            float[] base = parameters(fed, dir, studyId, 1);
            float[] next = parameters(fed, dir, studyId, 2);
            double[] expected = new double[base.length];
            double[] unclipped = new double[base.length];
            for (int i = 0; i < SITES; i++) {
                float[] d = returned(i, base.length);
                assertThat(L2Clipping.l2Norm(d)).isGreaterThan(10 * BOUND);
                float[] c = d.clone();
                L2Clipping.clipInPlace(c, BOUND);
                for (int j = 0; j < base.length; j++) {
                    expected[j] += c[j] / (double) SITES;
                    unclipped[j] += d[j] / (double) SITES;
                }
            }
            double step = 0;
            for (int j = 0; j < base.length; j++) {
                // The ring's rounding step is clipRange / ⌊(2³¹ − 1)/n⌋ ≈ 2e-8 per site and coordinate.
                assertThat((double) next[j] - base[j]).as("parameter %d", j).isCloseTo(expected[j], within(1e-6));
                step += ((double) next[j] - base[j]) * ((double) next[j] - base[j]);
            }
            assertThat(Math.sqrt(step))
                    .as("the model moved by at most the bound")
                    .isLessThanOrEqualTo(BOUND + 1e-6);
            assertThat(L2Clipping.l2Norm(unclipped)).isGreaterThan(BOUND * 5);
        }
    }

    private static float[] parameters(TestFederation fed, Path dir, String studyId, long version) throws Exception {
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
