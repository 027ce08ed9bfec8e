package org.cohort.learning.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.deeplearning4j.nn.modelimport.keras.Hdf5Archive;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keras HDF5 files as a study brings them: the Heart Disease MLP made by {@code
 * scripts/keras-fixture.py} imports with its weights in DL4J's order, and each kind of unusable file
 * is refused in words.
 */
class KerasImportTest {
    static final Path FIXTURE = Path.of("..", "docs", "models", "heart-mlp-keras.h5");

    @Test
    void importsTheHeartMlpWithItsWeights() throws Exception {
        var imported = KerasImport.read(Files.readAllBytes(FIXTURE));
        ModelSpec spec = imported.spec();
        assertThat(spec.numInputs()).isEqualTo(15);
        assertThat(spec.numClasses()).isEqualTo(2);
        assertThat(spec.numParameters()).isEqualTo(15 * 16 + 16 + 16 * 2 + 2);
        assertThat(imported.parameters()).hasSize(spec.numParameters());

        // The kernel, as Keras stores it ([in, out]), is where DL4J reads layer 0's weights.
        float[][] kernel;
        float[] bias;
        try (var archive = new Hdf5Archive(FIXTURE.toString())) {
            kernel = archive.readDataSet("hidden/kernel:0", "model_weights", "hidden")
                    .toFloatMatrix();
            bias = archive.readDataSet("hidden/bias:0", "model_weights", "hidden")
                    .toFloatVector();
        }
        MultiLayerNetwork net = spec.newNetwork();
        ParameterVectors.write(net, imported.parameters());
        float[][] w = net.getLayer(0).getParam("W").toFloatMatrix();
        assertThat(w).isDeepEqualTo(kernel);
        assertThat(net.getLayer(0).getParam("b").toFloatVector()).containsExactly(bias);
    }

    @Test
    void theSameConfigurationRebuildsTheSameNetwork() throws Exception {
        var imported = KerasImport.read(Files.readAllBytes(FIXTURE));
        var again = new ModelSpec(imported.spec().normalisedJson());
        assertThat(again.numParameters()).isEqualTo(imported.spec().numParameters());
        assertThat(again.layers())
                .extracting(l -> l.getClass().getSimpleName())
                .containsExactly("DenseLayer", "OutputLayer");
    }

    @Test
    void refusesAFileThatIsNotHdf5() {
        assertThatThrownBy(() -> KerasImport.read("{\"class_name\": \"Sequential\"}".getBytes()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not an HDF5 file")
                .hasMessageContaining("model.save");
    }

    @Test
    void refusesAModelWithoutWeights() throws Exception {
        assertThatThrownBy(() -> KerasImport.read(resource("no-weights.h5")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no 'model_weights' group");
    }

    @Test
    void refusesWeightsDeclaredLargerThanWhatIsStoredBeforeDl4jReadsThem() throws Exception {
        // 65536 x 65537 floats declared, nothing stored: DL4J's importer would allocate (int) of that
        // product (65,536) and let HDF5 write 17 GiB into it. Reaching DL4J would crash this JVM.
        assertThatThrownBy(() -> KerasImport.read(resource("oversized-extent.h5")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("model_weights/hidden/hidden/kernel:0")
                .hasMessageContaining("beyond what any model here can hold");
    }

    @Test
    void refusesALayerTheSiteTrainerDoesNotSupport() throws Exception {
        assertThatThrownBy(() -> KerasImport.read(resource("batch-norm.h5")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the site trainer cannot run it")
                .hasMessageContaining("BatchNormalization");
    }

    @Test
    void refusesAnHdf5FileThatIsNotAKerasModel(@TempDir Path dir) throws Exception {
        byte[] noWeights = resource("no-weights.h5");
        // An HDF5 file whose root attribute is renamed: HDF5, but no Keras architecture.
        byte[] renamed = replace(noWeights, "model_config", "model_cfg_xx");
        assertThatThrownBy(() -> KerasImport.read(renamed))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no 'model_config' attribute");
    }

    /**
     * The committed fixture is what the script writes: when h5py is here, the script's fresh output
     * imports to the same configuration and weights (compared imported, so an HDF5 library version
     * that lays bytes out differently does not matter).
     */
    @Test
    void theCommittedFixtureIsWhatTheScriptWrites(@TempDir Path dir) throws Exception {
        Path python = Path.of("/usr/bin/python3");
        Assumptions.assumeTrue(Files.isExecutable(python), "no /usr/bin/python3");
        Assumptions.assumeTrue(
                new ProcessBuilder(python.toString(), "-c", "import h5py")
                                .start()
                                .waitFor()
                        == 0,
                "h5py is not installed (apt-get install python3-h5py)");
        Path fresh = dir.resolve("fresh.h5");
        Process p = new ProcessBuilder(
                        python.toString(),
                        Path.of("..", "scripts", "keras-fixture.py").toString(),
                        fresh.toString())
                .inheritIO()
                .start();
        assertThat(p.waitFor()).isZero();
        var committed = KerasImport.read(Files.readAllBytes(FIXTURE));
        var made = KerasImport.read(Files.readAllBytes(fresh));
        assertThat(made.spec().normalisedJson()).isEqualTo(committed.spec().normalisedJson());
        assertThat(made.parameters()).containsExactly(committed.parameters());
    }

    private static byte[] resource(String name) throws Exception {
        try (var in = KerasImportTest.class.getResourceAsStream("/keras/" + name)) {
            return in.readAllBytes();
        }
    }

    private static byte[] replace(byte[] data, String from, String to) {
        byte[] out = data.clone();
        byte[] f = from.getBytes();
        byte[] t = to.getBytes();
        int found = 0;
        for (int i = 0; i + f.length <= out.length; i++) {
            if (java.util.Arrays.equals(out, i, i + f.length, f, 0, f.length)) {
                System.arraycopy(t, 0, out, i, t.length);
                found++;
            }
        }
        assertThat(found).isPositive();
        return out;
    }
}
