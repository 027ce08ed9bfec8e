package org.cohort.learning.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;

/** Frozen layers resolve to exactly the flat-vector positions DL4J gives their parameters. */
class FrozenLayersTest {
    private static ModelSpec kerasMlp() throws Exception {
        return KerasImport.read(Files.readAllBytes(KerasImportTest.FIXTURE)).spec();
    }

    private static ModelSpec residualGraph() throws Exception {
        return new ModelSpec(Files.readString(Path.of("..", "docs", "models", "heart-residual-mlp.json")));
    }

    @Test
    void freezingTheHiddenLayerLeavesTheOutputLayerTrainable() throws Exception {
        ModelSpec spec = kerasMlp();
        for (String selector : List.of("hidden", "0")) {
            var frozen = FrozenLayers.resolve(spec, List.of(selector));
            assertThat(frozen.frozenLayers()).containsExactly("hidden");
            assertThat(frozen.trainableCount()).isEqualTo(16 * 2 + 2);
            assertThat(frozen.frozenCount()).isEqualTo(15 * 16 + 16);
            assertThat(frozen.trainable()).singleElement().isEqualTo(new long[] {256, 290});
        }
    }

    @Test
    void aGraphsFrozenVertexOccupiesThePositionsDl4jGivesIt() throws Exception {
        ModelSpec spec = residualGraph();
        var frozen = FrozenLayers.resolve(spec, List.of("hidden"));
        ComputationGraph g = spec.build().graph().orElseThrow();
        g.getLayer("hidden").params().assign(7);
        float[] full = ParameterVectors.read(org.cohort.learning.model.Network.of(g));
        float[] trainable = frozen.slice(full);
        assertThat(trainable).hasSize((int) frozen.trainableCount()).doesNotContain(7f);
        long sevens = 0;
        for (float v : full) {
            sevens += v == 7f ? 1 : 0;
        }
        assertThat(sevens).isEqualTo(frozen.frozenCount()).isEqualTo(15 * 16 + 16);

        float[] moved = trainable.clone();
        java.util.Arrays.fill(moved, 1f);
        float[] rebuilt = frozen.scatter(full, moved);
        for (int i = 0; i < full.length; i++) {
            assertThat(rebuilt[i]).isEqualTo(full[i] == 7f ? 7f : 1f);
        }
    }

    @Test
    void badSelectorsAreRefusedNamingTheLayersThereAre() throws Exception {
        ModelSpec spec = kerasMlp();
        assertThatThrownBy(() -> FrozenLayers.resolve(spec, List.of("hiden")))
                .hasMessageContaining("frozen layer 'hiden' is not a layer of the model")
                .hasMessageContaining("[hidden, output]");
        assertThatThrownBy(() -> FrozenLayers.resolve(spec, List.of("2")))
                .hasMessageContaining("frozen layer index 2 is out of range: the model has 2 layers");
        assertThatThrownBy(() -> FrozenLayers.resolve(spec, List.of("hidden", "0")))
                .hasMessageContaining("already listed");
        assertThatThrownBy(() -> FrozenLayers.resolve(spec, List.of("hidden", "output")))
                .hasMessageContaining("nothing to train");
        assertThatThrownBy(() -> FrozenLayers.resolve(residualGraph(), List.of("residual")))
                .hasMessageContaining("is not a layer of the model");
    }
}
