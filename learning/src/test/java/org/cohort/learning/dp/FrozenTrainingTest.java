package org.cohort.learning.dp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cohort.learning.data.TabularDataset;
import org.cohort.learning.model.FrozenLayers;
import org.cohort.learning.model.KerasImport;
import org.cohort.learning.model.Network;
import org.cohort.learning.model.Optimizer;
import org.cohort.learning.model.ParameterVectors;
import org.cohort.learning.model.TrainingPlan;
import org.cohort.learning.train.Fixtures;
import org.cohort.learning.train.LocalTrainer;
import org.junit.jupiter.api.Test;

/**
 * Frozen layers stay exactly as supplied through local training and DP-SGD, and the per-example
 * engines leave them out of the clipped norm: the norm each engine clips is the norm of the
 * trainable part of the example's full gradient.
 */
class FrozenTrainingTest {
    private static final Path KERAS = Path.of("..", "docs", "models", "heart-mlp-keras.h5");
    private static final TabularDataset DATA = Fixtures.blobs(96, 15, 5);

    private static KerasImport.Imported keras() throws Exception {
        return KerasImport.read(Files.readAllBytes(KERAS));
    }

    private static Network pretrained(KerasImport.Imported k) {
        Network net = k.spec().build();
        ParameterVectors.write(net, k.parameters());
        return net;
    }

    @Test
    void localTrainingWithAdamLeavesTheFrozenLayerBitIdentical() throws Exception {
        var k = keras();
        var frozen = FrozenLayers.resolve(k.spec(), List.of("hidden"));
        Network net = pretrained(k);
        var plan = new TrainingPlan(3, 16, Optimizer.ADAM, 0.05, 3).withFrozen(frozen);

        LocalTrainer.train(net, DATA, plan);

        float[] after = ParameterVectors.read(net);
        assertThat(frozen.scatter(k.parameters(), frozen.slice(after)))
                .as("frozen positions unchanged")
                .isEqualTo(after);
        assertThat(frozen.slice(after)).as("the output layer trained").isNotEqualTo(frozen.slice(k.parameters()));
    }

    @Test
    void dpSgdLeavesTheFrozenLayerBitIdenticalAndNoisesOnlyTrainablePositions() throws Exception {
        var k = keras();
        var frozen = FrozenLayers.resolve(k.spec(), List.of("hidden"));
        Network net = pretrained(k);
        var plan = new TrainingPlan(2, 16, Optimizer.ADAM, 0.05, 3).withFrozen(frozen);
        var dp = DpSgdPlan.matching(plan, DATA.size(), 1.0, 1.0);

        var result = DpSgdTrainer.train(
                net, DATA, plan, dp, SecureGaussianNoise.create(), DpFixtures.seededSampling(9), new float[0][]);

        float[] after = ParameterVectors.read(net);
        assertThat(frozen.scatter(k.parameters(), frozen.slice(after))).isEqualTo(after);
        assertThat(frozen.slice(after)).isNotEqualTo(frozen.slice(k.parameters()));
        assertThat(result.steps()).isEqualTo(dp.steps());
    }

    /** A preset MLP (no dropout, unlike the Keras file), so that every engine can run it. */
    private static org.cohort.learning.model.ModelSpec presetMlp() {
        return new org.cohort.learning.model.ModelSpec(
                org.cohort.learning.model.ModelPreset.mlp(new int[] {16}).configJson(15, 2, DpFixtures.SGD));
    }

    @Test
    void everyEngineClipsTheNormOfTheTrainablePartOnly() {
        var spec = presetMlp();
        var frozen = FrozenLayers.resolve(spec, List.of("0"));
        Network net = spec.build();
        TabularDataset batch = DATA.select(new int[] {0, 1, 2, 3, 4, 5, 6, 7});
        float[][] full = new LoopedGradients(net, "reference").perExample(batch);
        var engines = List.<PerExampleGradients>of(
                new SmallDenseGradients(net.multiLayer().orElseThrow(), frozen),
                new VectorisedGradients(net.multiLayer().orElseThrow(), frozen),
                new LoopedGradients(net, "test", frozen));
        for (PerExampleGradients engine : engines) {
            var clipped = engine.clippedSum(batch, 1e9); // no clipping: the sum is the plain sum
            float[] expectedSum = new float[full[0].length];
            for (int b = 0; b < full.length; b++) {
                float[] trainable = frozen.slice(full[b]);
                double squared = 0;
                for (float v : trainable) {
                    squared += (double) v * v;
                }
                assertThat(clipped.norms()[b])
                        .as(engine.getClass().getSimpleName() + " norm of example " + b)
                        .isCloseTo(Math.sqrt(squared), within(1e-4 * Math.sqrt(squared) + 1e-6));
                float[] kept = frozen.scatter(new float[full[b].length], trainable);
                for (int i = 0; i < kept.length; i++) {
                    expectedSum[i] += kept[i];
                }
            }
            for (long[] run : frozen.frozen()) {
                for (int i = (int) run[0]; i < run[1]; i++) {
                    assertThat(clipped.sum()[i]).isZero();
                }
            }
            for (int i = 0; i < expectedSum.length; i++) {
                assertThat(clipped.sum()[i])
                        .isCloseTo(expectedSum[i], within(1e-4f + 1e-4f * Math.abs(expectedSum[i])));
            }
        }
    }

    @Test
    void aGraphOrALayerTheBatchedEnginesCannotSkipTakesTheLoopThatZeroesIt() throws Exception {
        var spec = presetMlp();
        assertThat(PerExampleGradients.forNetwork(spec.build(), 16, FrozenLayers.resolve(spec, List.of("0"))))
                .isInstanceOf(SmallDenseGradients.class);
        var k = keras(); // its hidden layer has dropout
        assertThat(PerExampleGradients.forNetwork(pretrained(k), 16, FrozenLayers.resolve(k.spec(), List.of("hidden"))))
                .isInstanceOf(LoopedGradients.class);
        var graph = new org.cohort.learning.model.ModelSpec(
                Files.readString(Path.of("..", "docs", "models", "heart-residual-mlp.json")));
        var graphFrozen = FrozenLayers.resolve(graph, List.of(graphFrozenLayer(graph)));
        assertThat(PerExampleGradients.forNetwork(graph.build(), 16, graphFrozen))
                .isInstanceOf(LoopedGradients.class);
    }

    private static String graphFrozenLayer(org.cohort.learning.model.ModelSpec graph) {
        var g = graph.build().graph().orElseThrow();
        for (int index : g.topologicalSortOrder()) {
            var v = g.getVertices()[index];
            if (v.hasLayer() && v.getLayer().numParams() > 0) {
                return v.getVertexName();
            }
        }
        throw new AssertionError("the graph has no layer with parameters");
    }
}
