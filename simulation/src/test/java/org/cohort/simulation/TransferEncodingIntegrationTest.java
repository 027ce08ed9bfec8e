package org.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.cohort.agent.Dl4jLearner;
import org.cohort.agent.LocalLearner;
import org.cohort.protocol.v1.TaskKind;
import org.cohort.protocol.v1.TensorEncoding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Compact transfer end to end, over real gRPC and the real agent: a float16 study and an int8 study
 * under site-level DP complete, every training task names the study's encoding, and the int8
 * updates, clipped to C before they are quantized, still pass the coordinator's norm check.
 */
class TransferEncodingIntegrationTest {
    static final int ROUNDS = 2;

    @Test
    void aFloat16StudyCompletesAndBadTransferOptionsAreRefused(@TempDir Path dir) throws Exception {
        try (var fed = new TestFederation(dir, 3)) {
            assertThatThrownBy(() -> fed.createStudy(ROUNDS, 3, 120, Map.of("transfer", Map.of("encoding", "int4"))))
                    .hasMessageContaining("transfer.encoding must be 'float32', 'float16' or 'int8'");
            assertThatThrownBy(() -> fed.createStudy(
                            ROUNDS, 3, 120, Map.of("transfer", Map.of("encoding", "int8", "blockSize", 100))))
                    .hasMessageContaining("transfer.blockSize must be a power of two");
            assertThatThrownBy(() -> fed.createStudy(
                            ROUNDS, 3, 120, Map.of("transfer", Map.of("encoding", "float16", "blockSize", 256))))
                    .hasMessageContaining("transfer.blockSize applies only to transfer.encoding 'int8'");
            String studyId = fed.createStudy(ROUNDS, 3, 120, Map.of("transfer", Map.of("encoding", "float16")));
            var seen = startRecording(fed, studyId, 3);
            JsonNode study = fed.startAndAwaitEnd(studyId, 3, Duration.ofMinutes(3));
            assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("COMPLETED");
            assertThat(seen).hasSize(3 * ROUNDS).containsOnly(TensorEncoding.FLOAT16_LE + "/0");
            assertThat(fed.finalEvaluation(studyId).get("pooledAccuracy").asDouble())
                    .isGreaterThan(0.7);
        }
    }

    @Test
    void anInt8StudyUnderSiteLevelDpCompletesWithEveryUpdateWithinTheClipNorm(@TempDir Path dir) throws Exception {
        try (var fed = new TestFederation(dir, 3)) {
            // A clip norm every local update exceeds: each arrives clipped to exactly C before it is quantized,
            // and the coordinator refuses any update whose decoded values exceed C.
            String studyId = fed.createStudy(
                    ROUNDS,
                    3,
                    120,
                    Map.of(
                            "transfer",
                            Map.of("encoding", "int8", "blockSize", 64),
                            "privacy",
                            PrivacySpec.site(0.05)
                                    .with("noiseMultiplier", 0.5)
                                    .with("delta", 1e-5)
                                    .with("epsilonBudget", 100.0)
                                    .fields()));
            var seen = startRecording(fed, studyId, 3);
            JsonNode study = fed.startAndAwaitEnd(studyId, 3, Duration.ofMinutes(3));
            assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("COMPLETED");
            assertThat(seen).hasSize(3 * ROUNDS).containsOnly(TensorEncoding.INT8_BLOCK_LE + "/64");
            for (JsonNode r : fed.api.studies().rounds(studyId)) {
                if (r.get("kind").asString().equals("TRAIN")) {
                    assertThat(r.get("reported").size()).as(r.toString()).isEqualTo(3);
                }
            }
        }
    }

    @Test
    void aSecureStudyInTheSixteenBitRingWithInt8ModelsCompletes(@TempDir Path dir) throws Exception {
        try (var fed = new TestFederation(dir, 3)) {
            String studyId = fed.createStudy(
                    ROUNDS,
                    3,
                    120,
                    Map.of(
                            "transfer",
                            Map.of("encoding", "int8"),
                            "secureAggregation",
                            Map.of("enabled", true, "stageTimeoutSeconds", 20, "ringBits", 16, "clipRange", 0.5)));
            var seen = new ConcurrentLinkedQueue<String>();
            for (int i = 0; i < 3; i++) {
                LocalLearner inner = new Dl4jLearner(fed.data.sites().get(i).dataFile());
                fed.startAgent(i, studyId, new ReplacedRun(inner, (task, config, global) -> {
                    if (task.getKind() == TaskKind.TRAIN) {
                        seen.add("ring " + task.getSecagg().getRingBits());
                    }
                    return inner.run(task, config, global);
                }));
            }
            JsonNode study = fed.startAndAwaitEnd(studyId, 3, Duration.ofMinutes(4));
            assertThat(study.get("status").asString()).as(study.toString()).isEqualTo("COMPLETED");
            assertThat(seen).hasSize(3 * ROUNDS).containsOnly("ring 16");
            assertThat(fed.finalEvaluation(studyId).get("pooledAccuracy").asDouble())
                    .isGreaterThan(0.7);
        }
    }

    /** Starts the sites with their real trainer, recording each training task's encoding and block size. */
    private static ConcurrentLinkedQueue<String> startRecording(TestFederation fed, String studyId, int sites)
            throws Exception {
        var seen = new ConcurrentLinkedQueue<String>();
        for (int i = 0; i < sites; i++) {
            LocalLearner inner = new Dl4jLearner(fed.data.sites().get(i).dataFile());
            fed.startAgent(i, studyId, new ReplacedRun(inner, (task, config, global) -> {
                if (task.getKind() == TaskKind.TRAIN) {
                    seen.add(task.getTransfer().getEncoding() + "/"
                            + task.getTransfer().getBlockSize());
                }
                return inner.run(task, config, global);
            }));
        }
        return seen;
    }
}
