package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import org.cohort.learning.train.ControlVariates;
import org.cohort.protocol.transfer.TransferEncoding;
import org.cohort.protocol.v1.RoundTask;
import org.cohort.protocol.v1.SecAggPlan;
import org.cohort.protocol.v1.TaskKind;
import org.cohort.protocol.v1.TensorEncoding;
import org.cohort.protocol.v1.TransferPlan;
import org.junit.jupiter.api.Test;

/** The c_i⁺ a SCAFFOLD site keeps must be what the coordinator's sum holds of its Δc_i. */
class ScaffoldSiteControlTest {
    private static final int N = 64;

    /** Δy then Δc, seeded, with values int8 cannot carry exactly. */
    private static float[] upload() {
        var rnd = new Random(5);
        float[] v = new float[2 * N];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (rnd.nextGaussian() * (i < N ? 0.01 : 3));
        }
        return v;
    }

    private static float[] siteBefore() {
        float[] ci = new float[N];
        Arrays.fill(ci, 0.5f);
        return ci;
    }

    private static float[] plus(float[] a, float[] b) {
        float[] out = a.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] += b[i];
        }
        return out;
    }

    @Test
    void aPlainRoundInACompactEncodingKeepsTheDecodedChange() {
        float[] sent = upload();
        var int8 = new TransferEncoding.Int8Blocks(16);
        var task = RoundTask.newBuilder()
                .setKind(TaskKind.TRAIN)
                .setTransfer(TransferPlan.newBuilder()
                        .setEncoding(TensorEncoding.INT8_BLOCK_LE)
                        .setBlockSize(16))
                .build();
        float[] next = SiteAgent.nextControl(task, new ControlVariates(new float[N], siteBefore()), sent);
        float[] decoded = TransferEncoding.roundTrip(int8, sent);
        assertThat(next).containsExactly(plus(siteBefore(), Arrays.copyOfRange(decoded, N, 2 * N)));
        assertThat(next)
                .as("int8 rounds the change: keeping the raw one would drift from the coordinator's c")
                .isNotEqualTo(plus(siteBefore(), Arrays.copyOfRange(sent, N, 2 * N)));
    }

    @Test
    void aFloat32RoundKeepsTheChangeAsSentAndASecureRoundItsRingClippedChange() {
        float[] sent = upload();
        var plain = RoundTask.newBuilder().setKind(TaskKind.TRAIN).build();
        assertThat(SiteAgent.nextControl(plain, new ControlVariates(new float[N], siteBefore()), sent))
                .containsExactly(plus(siteBefore(), Arrays.copyOfRange(sent, N, 2 * N)));
        var secure = plain.toBuilder()
                .setSecagg(SecAggPlan.newBuilder().setClipRange(1.0))
                .build();
        float[] next = SiteAgent.nextControl(secure, new ControlVariates(new float[N], siteBefore()), sent);
        for (int i = 0; i < N; i++) {
            float clipped = Math.max(-1f, Math.min(1f, sent[N + i]));
            assertThat(next[i]).isEqualTo(siteBefore()[i] + clipped);
        }
    }
}
