package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.cohort.protocol.transfer.TransferEncoding;
import org.cohort.protocol.v1.PrivacyMode;
import org.cohort.protocol.v1.PrivacyPlan;
import org.cohort.protocol.v1.RoundTask;
import org.cohort.protocol.v1.TaskKind;
import org.cohort.protocol.v1.TensorEncoding;
import org.cohort.protocol.v1.TransferPlan;
import org.junit.jupiter.api.Test;

class UpdateQuantizationTest {
    private static double norm(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        return Math.sqrt(s);
    }

    /** An update of norm exactly C (as UpdateClip leaves it), seeded. */
    private static float[] clipped(int n, long seed, double clip) {
        var rnd = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        double f = clip / norm(v);
        for (int i = 0; i < n; i++) {
            v[i] = (float) (v[i] * f);
        }
        return v;
    }

    @Test
    void decodedUpdatesKeepTheClipNormWhateverTheRounding() {
        int over = 0;
        for (long seed = 1; seed <= 40; seed++) {
            for (TransferEncoding e : new TransferEncoding[] {
                new TransferEncoding.Int8Blocks(16),
                new TransferEncoding.Int8Blocks(256),
                TransferEncoding.Float16.INSTANCE
            }) {
                float[] v = clipped(2000, seed, 1.0);
                if (norm(TransferEncoding.roundTrip(e, v)) > 1.0) {
                    over++; // rounding alone would take it over C: the case this stage exists for
                }
                float[] sent = UpdateQuantization.withinNorm(e, v, 1.0);
                double decoded = norm(TransferEncoding.roundTrip(e, sent));
                assertThat(decoded)
                        .as("%s seed %d", e, seed)
                        .isLessThanOrEqualTo(1.0)
                        .isGreaterThan(0.99);
            }
        }
        assertThat(over).as("plain rounding exceeds C in some of these cases").isPositive();
    }

    @Test
    void onlySiteLevelDpUpdatesOfALossyEncodingAreShrunk() {
        float[] v = clipped(500, 3, 1.0);
        var int8 = TransferPlan.newBuilder()
                .setEncoding(TensorEncoding.INT8_BLOCK_LE)
                .setBlockSize(16);
        var site =
                PrivacyPlan.newBuilder().setMode(PrivacyMode.PRIVACY_MODE_SITE).setClipNorm(1.0);
        var task = RoundTask.newBuilder()
                .setKind(TaskKind.TRAIN)
                .setTransfer(int8)
                .setPrivacy(site)
                .build();
        assertThat(UpdateQuantization.encoding(task)).isEqualTo(new TransferEncoding.Int8Blocks(16));
        assertThat(norm(TransferEncoding.roundTrip(
                        UpdateQuantization.encoding(task), UpdateQuantization.apply(task, v))))
                .isLessThanOrEqualTo(1.0);
        var patient = task.toBuilder()
                .setPrivacy(site.setMode(PrivacyMode.PRIVACY_MODE_PATIENT))
                .build();
        assertThat(UpdateQuantization.apply(patient, v)).isSameAs(v);
        var float32 =
                RoundTask.newBuilder().setKind(TaskKind.TRAIN).setPrivacy(site).build();
        assertThat(UpdateQuantization.encoding(float32)).isEqualTo(TransferEncoding.Float32.INSTANCE);
        assertThat(UpdateQuantization.apply(float32, v)).isSameAs(v);
    }
}
