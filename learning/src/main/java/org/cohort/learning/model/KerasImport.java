package org.cohort.learning.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Objects;
import org.cohort.learning.Nd4jRuntime;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.modelimport.keras.Hdf5Archive;
import org.deeplearning4j.nn.modelimport.keras.KerasModelImport;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * A Keras 2 HDF5 model file (what {@code model.save("m.h5")} writes: the architecture in the root
 * attribute {@code model_config}, the weights in group {@code model_weights}) turned into a study's
 * model: a DL4J configuration JSON, checked by {@link ModelSpec} against the same allow-list as a
 * configuration the ML team writes by hand, and the file's weights as the initial parameters.
 *
 * <p>Only the coordinator reads Keras files; sites receive the DL4J JSON and the parameters, as for
 * any other study. The file comes from the ML team and is parsed by the native HDF5 library, so its
 * size is bounded ({@link #MAX_BYTES}) and its signature checked before HDF5 opens it.
 */
public final class KerasImport {
    /** Largest Keras file accepted: 32 MiB, 8 million float32 weights, far above a tabular or small image model. */
    public static final int MAX_BYTES = 32 << 20;

    /** The eight bytes every HDF5 file starts with (HDF5 File Format Specification, "Format Signature"). */
    private static final byte[] HDF5_SIGNATURE = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

    /** What an imported Keras file became: the checked DL4J configuration and its weights, in DL4J's order. */
    public record Imported(ModelSpec spec, float[] parameters) {
        public Imported {
            Objects.requireNonNull(spec, "spec");
            Objects.requireNonNull(parameters, "parameters");
            if (parameters.length != spec.numParameters()) {
                throw new IllegalArgumentException("the Keras weights give " + parameters.length
                        + " values but the configuration has " + spec.numParameters() + " parameters");
            }
        }
    }

    private KerasImport() {}

    /**
     * Imports {@code hdf5}, or throws IllegalArgumentException saying what is wrong: not an HDF5 file,
     * not a Keras model, no weights, a layer DL4J or the site trainer does not support.
     */
    public static Imported read(byte[] hdf5) {
        Objects.requireNonNull(hdf5, "hdf5");
        if (hdf5.length > MAX_BYTES) {
            throw new IllegalArgumentException(
                    "the Keras file is " + hdf5.length + " bytes, above the limit of " + MAX_BYTES);
        }
        if (hdf5.length < HDF5_SIGNATURE.length
                || !Arrays.equals(Arrays.copyOf(hdf5, HDF5_SIGNATURE.length), HDF5_SIGNATURE)) {
            throw new IllegalArgumentException("not an HDF5 file (it does not start with the HDF5 signature);"
                    + " save the Keras model with model.save(\"model.h5\") and send the file's bytes in base64");
        }
        Nd4jRuntime.ensureInitialised();
        Path file = null;
        try {
            // DL4J's importer and HDF5 read files, not streams; the file is the caller's own copy, owner-only.
            file = Files.createTempFile(
                    "cohort-keras-",
                    ".h5",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(file, hdf5);
            return read(file);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the Keras file to a temporary file", e);
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // a leftover temporary file is harmless; the import's result stands
                }
            }
        }
    }

    private static Imported read(Path file) {
        boolean sequential = checkLayout(file.toString());
        KerasWeightsCheck.check(file);
        String json;
        float[] parameters;
        try {
            Network net = sequential
                    ? Network.of(KerasModelImport.importKerasSequentialModelAndWeights(file.toString(), false))
                    : Network.of(KerasModelImport.importKerasModelAndWeights(file.toString(), false));
            json = net.multiLayer()
                    .map(m -> KerasOutputLayer.replaceLast(m.getLayerWiseConfigurations()))
                    .map(KerasImport::fixedSeed)
                    .map(MultiLayerConfiguration::toJson)
                    .orElseGet(() -> fixedSeed(KerasOutputLayer.replaceLast(
                                    net.graph().orElseThrow().getConfiguration()))
                            .toJson());
            parameters = ParameterVectors.read(net);
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (Exception e) {
            // Unsupported Keras layers and configurations: DL4J's message names the layer and the reason.
            throw new IllegalArgumentException("DL4J cannot import this Keras model: " + ModelSpec.rootMessage(e), e);
        }
        ModelSpec spec;
        try {
            spec = new ModelSpec(json);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "the Keras model imports, but the site trainer cannot run it: " + e.getMessage(), e);
        }
        return new Imported(spec, parameters);
    }

    // DL4J's import seeds each configuration from the clock; the study's weights come from the file, so a
    // fixed seed only makes the same file give the same configuration JSON (and digest) every time.
    private static MultiLayerConfiguration fixedSeed(MultiLayerConfiguration conf) {
        conf.getConfs().forEach(c -> c.setSeed(0));
        return conf;
    }

    private static ComputationGraphConfiguration fixedSeed(ComputationGraphConfiguration conf) {
        conf.getDefaultConfiguration().setSeed(0);
        conf.getVertices().values().forEach(v -> {
            if (v instanceof LayerVertex lv) {
                lv.getLayerConf().setSeed(0);
            }
        });
        return conf;
    }

    // Whether the file holds a Sequential model; throws when it is not a Keras model file with weights.
    private static boolean checkLayout(String path) {
        try (Hdf5Archive archive = new Hdf5Archive(path)) {
            if (!archive.hasAttribute("model_config")) {
                throw new IllegalArgumentException("the HDF5 file has no 'model_config' attribute, so it is not a"
                        + " Keras model file; save the whole model with model.save(\"model.h5\"), not only its"
                        + " weights");
            }
            if (!archive.getGroups().contains("model_weights")) {
                throw new IllegalArgumentException("the Keras file has no 'model_weights' group: it holds the"
                        + " architecture without weights; save the model with model.save(\"model.h5\")");
            }
            String config = archive.readAttributeAsJson("model_config");
            return "Sequential"
                    .equals(new ObjectMapper()
                            .readTree(config)
                            .path("class_name")
                            .asText());
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalArgumentException(
                    "the HDF5 file cannot be read as a Keras model: " + ModelSpec.rootMessage(e), e);
        }
    }
}
