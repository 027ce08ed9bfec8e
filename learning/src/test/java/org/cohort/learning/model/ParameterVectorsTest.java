package org.cohort.learning.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.Random;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

class ParameterVectorsTest {

    static final String CONFIG = ModelPreset.mlp(4).configJson(3, 2, new TrainingPlan(1, 8, Optimizer.SGD, 0.1, 1));

    @Test
    void parametersRoundTripThroughNetwork() {
        MultiLayerNetwork net = new ModelSpec(CONFIG).newNetwork();
        float[] values = new float[(int) net.numParams()];
        Random random = new Random(3);
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }

        ParameterVectors.write(net, values);
        values[0] = 1234f; // the network keeps its own copy

        float[] read = ParameterVectors.read(net);
        assertThat(read).hasSize(values.length);
        assertThat(read[0]).isNotEqualTo(1234f);
        assertThat(Arrays.copyOfRange(read, 1, read.length))
                .containsExactly(Arrays.copyOfRange(values, 1, values.length));
    }

    @Test
    void writtenParametersDriveTheNetworkOutput() {
        // Logistic regression on 1 input: weights [w0, w1] (one per class) then biases [b0, b1].
        String config =
                ModelPreset.logisticRegression().configJson(1, 2, new TrainingPlan(1, 1, Optimizer.SGD, 0.1, 1));
        MultiLayerNetwork net = new ModelSpec(config).newNetwork();
        ParameterVectors.write(net, new float[] {0f, 2f, 0f, -1f});

        float[] p = net.output(Nd4j.createFromArray(new float[][] {{1f}})).toFloatVector();

        double expected = Math.exp(1) / (1 + Math.exp(1)); // softmax(0, 2·1 − 1)
        assertThat((double) p[1]).isCloseTo(expected, within(1e-6));
    }

    @Test
    void initialParametersAreReproducibleForSeedAndDifferAcrossSeeds() {
        float[] a = ParameterVectors.initialParameters(CONFIG, 11);
        float[] b = ParameterVectors.initialParameters(CONFIG, 11);
        float[] c = ParameterVectors.initialParameters(CONFIG, 12);

        assertThat(a).hasSize(new ModelSpec(CONFIG).numParameters()).containsExactly(b);
        assertThat(a).isNotEqualTo(c);
    }

    @Test
    void writeRejectsVectorOfWrongLengthNamingBothLengths() {
        MultiLayerNetwork net = new ModelSpec(CONFIG).newNetwork();

        assertThatThrownBy(() -> ParameterVectors.write(net, new float[5]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("has 5 values")
                .hasMessageContaining("network has " + net.numParams());
    }

    @Test
    void littleEndianEncodingIsIeee754Float32() {
        byte[] bytes = FloatVectors.toLittleEndian(new float[] {1.0f, -2.5f});

        // 1.0f = 0x3F800000, -2.5f = 0xC0200000, least significant byte first.
        assertThat(bytes).containsExactly(0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x20, 0xC0);
    }

    @Test
    void littleEndianRoundTripPreservesEveryBitPattern() {
        float[] values = {
            0f,
            -0f,
            Float.MIN_VALUE,
            Float.MAX_VALUE,
            Float.NEGATIVE_INFINITY,
            Float.intBitsToFloat(0x7FC00001),
            3.14159f,
            -1e-30f
        };

        float[] decoded = FloatVectors.fromLittleEndian(FloatVectors.toLittleEndian(values));

        for (int i = 0; i < values.length; i++) {
            assertThat(Float.floatToRawIntBits(decoded[i])).isEqualTo(Float.floatToRawIntBits(values[i]));
        }
    }

    @Test
    void chunksEncodeRangesAndAssembleIntoOneVector() {
        float[] values = {1, 2, 3, 4, 5, 6, 7};
        byte[] first = FloatVectors.toLittleEndian(values, 0, 4);
        byte[] second = FloatVectors.toLittleEndian(values, 4, 7);

        float[] assembled = new float[7];
        FloatVectors.fromLittleEndian(first, assembled, 0);
        FloatVectors.fromLittleEndian(second, assembled, 4);

        assertThat(first).hasSize(16);
        assertThat(assembled).containsExactly(values);
        assertThatThrownBy(() -> FloatVectors.toLittleEndian(values, 5, 8))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> FloatVectors.fromLittleEndian(second, assembled, 5))
                .isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void decodingRejectsTruncatedChunk() {
        assertThatThrownBy(() -> FloatVectors.fromLittleEndian(new byte[7]))
                .hasMessageContaining("multiple of 4 bytes, got 7");
    }
}
