package org.cohort.learning.model;

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
}
