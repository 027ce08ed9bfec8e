package org.cohort.protocol.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.cohort.protocol.ProtocolLimits;
import org.cohort.protocol.v1.TensorEncoding;
import org.junit.jupiter.api.Test;

class TransferEncodingTest {
    private static float[] gaussian(int n, long seed, double sd) {
        var rnd = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (rnd.nextGaussian() * sd);
        }
        return v;
    }

    @Test
    void int8ErrorIsAtMostHalfTheBlockScale() {
        for (long seed = 1; seed <= 20; seed++) {
            var enc = new TransferEncoding.Int8Blocks(64);
            float[] x = gaussian(1000 + (int) seed * 37, seed, Math.pow(10, seed % 7 - 3));
            float[] back = TransferEncoding.roundTrip(enc, x);
            for (int start = 0; start < x.length; start += 64) {
                float max = 0;
                for (int i = start; i < Math.min(x.length, start + 64); i++) {
                    max = Math.max(max, Math.abs(x[i]));
                }
                double halfScale = max / 127.0 / 2;
                for (int i = start; i < Math.min(x.length, start + 64); i++) {
                    assertThat((double) Math.abs(x[i] - back[i]))
                            .as("value %d of seed %d", i, seed)
                            .isLessThanOrEqualTo(halfScale * (1 + 1e-5));
                }
            }
        }
    }

    @Test
    void int8KeepsAZeroBlockAndTheBlockMaximumExactly() {
        float[] x = new float[300];
        x[260] = -3.5f;
        x[261] = 1f;
        float[] back = TransferEncoding.roundTrip(new TransferEncoding.Int8Blocks(256), x);
        assertThat(back[0]).isZero();
        assertThat(back[260]).isEqualTo(-3.5f, org.assertj.core.data.Offset.offset(1e-6f));
    }

    @Test
    void float16RelativeErrorIsAtMostTwoToTheMinusEleven() {
        float[] x = gaussian(10_000, 7, 3);
        float[] back = TransferEncoding.roundTrip(TransferEncoding.Float16.INSTANCE, x);
        for (int i = 0; i < x.length; i++) {
            double bound = Math.abs(x[i]) >= 0x1p-14 ? Math.abs(x[i]) * 0x1p-11 : 0x1p-25;
            assertThat((double) Math.abs(x[i] - back[i])).as("value %d", i).isLessThanOrEqualTo(bound);
        }
    }

    @Test
    void float32IsExact() {
        float[] x = gaussian(1000, 3, 1);
        assertThat(TransferEncoding.roundTrip(TransferEncoding.Float32.INSTANCE, x))
                .containsExactly(x);
    }

    @Test
    void encodedBytesFollowTheFormulaAndInt8StaysWithin26PercentOfFloat32() {
        var int8 = new TransferEncoding.Int8Blocks(256);
        for (int n : new int[] {1, 255, 256, 257, 1000, 300_001}) {
            float[] x = gaussian(n, n, 1);
            long sent = 0;
            for (int off = 0; off < n; off += ProtocolLimits.CHUNK_VALUES) {
                sent += int8.encode(x, off, Math.min(ProtocolLimits.CHUNK_VALUES, n - off))
                        .remaining();
            }
            assertThat(sent).isEqualTo(n + 4L * ((n + 255) / 256)).isEqualTo(int8.encodedBytes(n));
            assertThat(TransferEncoding.Float16.INSTANCE.encode(x, 0, n).remaining())
                    .isEqualTo(2 * n);
        }
        long params = 10_000_000;
        assertThat((double) int8.encodedBytes(params) / (4.0 * params)).isLessThanOrEqualTo(0.26);
        assertThat((double) new TransferEncoding.Int8Blocks(128).encodedBytes(params) / (4.0 * params))
                .isEqualTo(0.25 + 1.0 / 128, org.assertj.core.data.Offset.offset(1e-6));
    }

    @Test
    void chunkLengthsAreReadBackOnlyWhenWellFormed() {
        var int8 = new TransferEncoding.Int8Blocks(16);
        assertThat(int8.valuesIn(0, 2 * 20, 100)).isEqualTo(32);
        assertThat(int8.valuesIn(96, 4 + 4, 100)).isEqualTo(4);
        assertThatThrownBy(() -> int8.valuesIn(0, 20 + 8, 100)).hasMessageContaining("partial block");
        assertThatThrownBy(() -> int8.valuesIn(0, 20 + 3, 100)).hasMessageContaining("inside a block's scale");
        assertThatThrownBy(() -> int8.valuesIn(8, 20, 100)).hasMessageContaining("does not start a block");
        assertThatThrownBy(() -> int8.valuesIn(96, 20, 100)).hasMessageContaining("past the 100");
        assertThatThrownBy(() -> TransferEncoding.Float16.INSTANCE.valuesIn(0, 3, 100))
                .hasMessageContaining("multiple of 2");
    }

    @Test
    void malformedInt8BlocksAreRefused() {
        var int8 = new TransferEncoding.Int8Blocks(16);
        ByteBuffer negativeScale = ByteBuffer.allocate(5)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putFloat(-1f)
                .put((byte) 1);
        assertThatThrownBy(() -> int8.decode(negativeScale.flip(), 1, new float[1], 0))
                .hasMessageContaining("scale -1.0");
        ByteBuffer minCode = ByteBuffer.allocate(5)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putFloat(1f)
                .put((byte) -128);
        assertThatThrownBy(() -> int8.decode(minCode.flip(), 1, new float[1], 0))
                .hasMessageContaining("−128");
    }

    @Test
    void valuesNoEncodingCanCarryAreRefused() {
        assertThatThrownBy(() -> TransferEncoding.Float16.INSTANCE.encode(new float[] {1f, 70_000f}, 0, 2))
                .hasMessageContaining("beyond the float16 range");
        assertThatThrownBy(() -> new TransferEncoding.Int8Blocks(16).encode(new float[] {Float.NaN}, 0, 1))
                .hasMessageContaining("only finite values");
    }

    @Test
    void badOptionsAreRefusedWithWhatIsAllowed() {
        assertThatThrownBy(() -> TransferEncoding.parse("int4", 256)).hasMessageContaining("'float32', 'float16'");
        assertThatThrownBy(() -> new TransferEncoding.Int8Blocks(100)).hasMessageContaining("power of two");
        assertThatThrownBy(() -> new TransferEncoding.Int8Blocks(8)).hasMessageContaining("from 16");
        assertThatThrownBy(() -> TransferEncoding.of(TensorEncoding.UINT32_RING_LE, 0))
                .hasMessageContaining("not a plain transfer encoding");
        assertThat(TransferEncoding.parse("INT8", 512)).isEqualTo(new TransferEncoding.Int8Blocks(512));
        assertThat(TransferEncoding.of(TensorEncoding.FLOAT16_LE, 0)).isEqualTo(TransferEncoding.Float16.INSTANCE);
    }
}
