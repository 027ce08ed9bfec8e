package org.cohort.simulation;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cohort.learning.model.ModelSpec;
import org.cohort.learning.model.ParameterVectors;
import org.deeplearning4j.util.ModelSerializer;

/** Writes the final global model as a Deeplearning4j model file a person can load directly. */
final class FinalModel {
    private FinalModel() {}

    static Path save(String configJson, Path parametersFile, Path zip) throws IOException {
        ModelSerializer.writeModel(load(configJson, parametersFile), zip.toFile(), false);
        return zip;
    }

    /** The network the coordinator published: its configuration with the downloaded parameters. */
    static org.deeplearning4j.nn.multilayer.MultiLayerNetwork load(String configJson, Path parametersFile)
            throws IOException {
        var net = new ModelSpec(configJson).newNetwork();
        ParameterVectors.write(
                net, org.cohort.learning.model.FloatVectors.fromLittleEndian(Files.readAllBytes(parametersFile)));
        return net;
    }
}
