package org.cohort.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.cohort.coordinator.aggregation.FedBuff;
import org.cohort.coordinator.aggregation.Strategy;
import org.cohort.coordinator.aggregation.WeightedSum;
import org.cohort.coordinator.study.StrategyOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FedBuff in the round engine: a buffered round publishes after K reports without waiting for the
 * sites still training, and each update counts with s(τ) = 1/√(1 + τ) times its example weight,
 * over the sum of example weights (Nguyen et al. 2022, Algorithm 1).
 */
class BufferedRoundTest {
    static final long V = 5; // the version the round applies its buffer to

    @Test
    void theStalenessFunctionIsOneOverRootOnePlusTau() {
        assertThat(FedBuff.staleness(0)).isEqualTo(1.0);
        assertThat(FedBuff.staleness(1)).isEqualTo(Math.sqrt(0.5), org.assertj.core.data.Offset.offset(1e-16));
        assertThat(FedBuff.staleness(3)).isEqualTo(0.5);
        assertThat(FedBuff.staleness(8)).isEqualTo(1.0 / 3, org.assertj.core.data.Offset.offset(1e-16));
        assertThatThrownBy(() -> FedBuff.staleness(-1)).hasMessageContaining("staleness must be at least 0, got -1");
        var fedbuff = (FedBuff) Strategy.named("fedbuff", StrategyOptions.NONE.withBuffer(3, 2));
        assertThat(fedbuff.bufferSize()).isEqualTo(3);
        assertThat(fedbuff.usable(V, V - 2)).isTrue();
        assertThat(fedbuff.usable(V, V - 3))
                .as("three versions behind, maxStaleness 2")
                .isFalse();
        assertThat(Strategy.named("fedbuff").bufferSize()).isEqualTo(StrategyOptions.DEFAULT_BUFFER_SIZE);
        assertThat(Strategy.named("fedavg").bufferSize()).as("synchronous").isZero();
    }

    @Test
    void updatesFromVersionsVAndVMinusOneAndVMinusThreeWeighOneOneOverRootTwoAndOneHalf(@TempDir Path dir)
            throws Exception {
        RoundState round = round(Map.of("b", carried("rd-b", V - 1), "c", carried("rd-c", V - 3)));
        assertThat(UploadIntake.staleness(round, "a")).isEqualTo(1.0);
        assertThat(UploadIntake.staleness(round, "b")).isEqualTo(1 / Math.sqrt(2));
        assertThat(UploadIntake.staleness(round, "c")).isEqualTo(0.5);

        // Each update is scaled on its spool and folded with its example weight, as the intake does.
        float[][] deltas = {{0.4f, -1.0f, 2.0f}, {0.8f, 0.6f, -0.2f}, {-1.2f, 0.25f, 0.5f}};
        long[] n = {10, 30, 20};
        String[] sites = {"a", "b", "c"};
        var sum = new RunningSum.Heap(new WeightedSum(3));
        for (int i = 0; i < 3; i++) {
            Path spool = spool(dir.resolve(sites[i]), deltas[i]);
            double s = UploadIntake.staleness(round, sites[i]);
            if (s != 1) {
                SpooledValues.scale(spool, 3, s);
            }
            sum.add(n[i], spool, 3);
        }
        float[] global = {1.0f, 2.0f, 3.0f};
        float[] next = Strategy.named("fedbuff", StrategyOptions.NONE.withBuffer(3, null))
                .nextGlobal(global, sum.sum());

        // Worked out apart from the code: weights 1, 0.70710678…, 0.5, over Σn = 60 (not renormalised).
        double[] s = {1, 0.7071067811865476, 0.5};
        for (int j = 0; j < 3; j++) {
            double expected = global[j]
                    + (n[0] * s[0] * deltas[0][j] + n[1] * s[1] * deltas[1][j] + n[2] * s[2] * deltas[2][j]) / 60.0;
            assertThat((double) next[j])
                    .as("parameter %d", j)
                    .isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-6));
        }
        // Coordinate 0 by hand: 1 + (10·0.4 + 30·0.70711·0.8 − 20·0.5·1.2) / 60 = 1 + 8.97056/60.
        assertThat((double) next[0]).isCloseTo(1.1495094, org.assertj.core.data.Offset.offset(1e-6));
    }

    @Test
    void aBufferedRoundPublishesAfterKReportsAndLeavesTheSiteStillTrainingOutstanding() {
        RoundState round = round(Map.of()).toBuilder().bufferSize(2).minSites(2).build();
        var afterA = RoundStateMachine.onUploadAccepted(round, "a");
        assertThat(afterA.decision()).isEqualTo(RoundDecision.WAIT);
        var afterB = RoundStateMachine.onUploadAccepted(afterA.state(), "b");
        assertThat(afterB.decision())
                .as("K = 2 reports are in; c is not waited for")
                .isEqualTo(RoundDecision.AGGREGATE);
        assertThat(afterB.state().outstanding()).containsExactly("c");
        assertThat(afterB.state().detail())
                .contains("2 of 3 sites reported", "1 still training go on into the next buffer");
        RoundState merged = RoundStateMachine.withContributors(afterB.state(), Set.of("a", "b"));
        assertThat(merged.dropped()).as("c goes on training: it is not dropped").isEmpty();
        assertThat(merged.outstanding()).containsExactly("c");

        var unbuffered = RoundStateMachine.onUploadAccepted(
                RoundStateMachine.onUploadAccepted(round(Map.of()), "a").state(), "b");
        assertThat(unbuffered.decision()).as("a synchronous round waits for c").isEqualTo(RoundDecision.WAIT);
    }

    @Test
    void aCarriedSiteAnswersItsOldTaskAndNotTheRoundsOwn() {
        RoundState round = round(Map.of("c", carried("rd-c", V - 3)));
        assertThat(round.task("c").roundId()).isEqualTo("rd-c");
        assertThat(round.task("c").baseVersion()).isEqualTo(V - 3);
        assertThat(round.task("a").roundId()).isEqualTo(round.roundId());
        assertThatThrownBy(() -> round.toBuilder()
                        .carried(Map.of("z", carried("rd-z", 1)))
                        .build())
                .hasMessageContaining("carried sites must have been selected");
    }

    private static CarriedTask carried(String roundId, long base) {
        return new CarriedTask(roundId, (int) base, 1, new byte[] {7, 7, 7, 7}, base);
    }

    private static RoundState round(Map<String, CarriedTask> carried) {
        return RoundState.builder()
                .roundId("rd-now")
                .studyId("st-1")
                .roundNumber((int) V)
                .baseVersion(V)
                .nonce(new byte[] {1, 2, 3, 4})
                .selected(Set.of("a", "b", "c"))
                .minSites(3)
                .startedAt(Instant.EPOCH)
                .deadline(Instant.EPOCH.plusSeconds(60))
                .declaredExamples(Map.of("a", 10L, "b", 30L, "c", 20L))
                .bufferSize(3)
                .carried(carried)
                .build();
    }

    private static Path spool(Path file, float[] values) throws Exception {
        var buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            buf.putFloat(v);
        }
        return Files.write(file, buf.array());
    }
}
