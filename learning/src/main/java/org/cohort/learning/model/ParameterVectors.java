package org.cohort.learning.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
import org.cohort.learning.Nd4jRuntime;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A network's parameters as one flat float32 vector, the form in which models are stored,
 * signed, aggregated and sent.
 *
 * <p>The order is DL4J's flattened-parameter order (per layer: weights in column-major order,
 * then biases), which is fixed by the configuration; two networks built from the same JSON
 * therefore agree on what each index means.
 */
public final class ParameterVectors {

    private ParameterVectors() {}

    /**
     * The initial parameters of the model described by {@code configJson}, drawn with
     * {@code seed} instead of the configuration's own seed, so the coordinator can create a
     * study's version 0 reproducibly.
     */
    public static float[] initialParameters(String configJson, long seed) {
        return read(new ModelSpec(configJson).build(seed));
    }

    /** A copy of the network's current parameters. */
    public static float[] read(MultiLayerNetwork net) {
        return read(Network.of(net));
    }

    /** A copy of the network's current parameters. */
    public static float[] read(Network net) {
        Objects.requireNonNull(net, "net");
        Nd4jRuntime.ensureInitialised();
        INDArray params = net.params();
        return params.dataType() == DataType.FLOAT
                ? params.toFloatVector()
                : params.castTo(DataType.FLOAT).toFloatVector();
    }

    /** Overwrites the network's parameters with {@code parameters} (the network keeps its own copy). */
    public static void write(MultiLayerNetwork net, float[] parameters) {
        write(Network.of(net), parameters);
    }

    /** Overwrites the network's parameters with {@code parameters} (the network keeps its own copy). */
    public static void write(Network net, float[] parameters) {
        Objects.requireNonNull(net, "net");
        Objects.requireNonNull(parameters, "parameters");
        Nd4jRuntime.ensureInitialised();
        long expected = net.numParams();
        if (parameters.length != expected) {
            throw new IllegalArgumentException("parameter vector has " + parameters.length
                    + " values but the network has " + expected
                    + "; the parameters belong to a different model configuration (check the study's model"
                    + " version and that the network was built from the same configuration JSON)");
        }
        INDArray target = net.params();
        target.assign(Nd4j.createFromArray(parameters).reshape(target.shape()).castTo(target.dataType()));
    }

    /** Values {@code from} (inclusive) to {@code to} (exclusive) as little-endian IEEE-754 float32 bytes. */
    public static byte[] toLittleEndian(float[] values, int from, int to) {
        Objects.requireNonNull(values, "values");
        Objects.checkFromToIndex(from, to, values.length);
        ByteBuffer buffer =
                ByteBuffer.allocate(Math.multiplyExact(to - from, Float.BYTES)).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(values, from, to - from);
        return buffer.array();
    }

    /** All values, as little-endian float32 bytes. */
    public static byte[] toLittleEndian(float[] values) {
        return toLittleEndian(values, 0, values.length);
    }

    /** Decodes little-endian float32 bytes; the length must be a multiple of 4. */
    public static float[] fromLittleEndian(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        float[] values = new float[checkedCount(bytes)];
        fromLittleEndian(bytes, values, 0);
        return values;
    }

    /**
     * Decodes little-endian float32 bytes into {@code target} starting at {@code targetOffset},
     * so that a vector received in chunks is assembled without concatenating the chunks first.
     */
    public static void fromLittleEndian(byte[] bytes, float[] target, int targetOffset) {
        Objects.requireNonNull(bytes, "bytes");
        Objects.requireNonNull(target, "target");
        int count = checkedCount(bytes);
        Objects.checkFromIndexSize(targetOffset, count, target.length);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(target, targetOffset, count);
    }

    private static int checkedCount(byte[] bytes) {
        if (bytes.length % Float.BYTES != 0) {
            throw new IllegalArgumentException("float32 data must be a multiple of 4 bytes, got " + bytes.length
                    + " bytes; the chunk was truncated or is not a parameter chunk");
        }
        return bytes.length / Float.BYTES;
    }
}
