package org.cohort.learning.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;

class ModelPresetTest {

    static final TrainingPlan PLAN = new TrainingPlan(1, 16, Optimizer.SGD, 0.1, 42);

    @Test
    void logisticRegressionIsOneSoftmaxLayerRebuiltFromJsonAlone() {
        ModelSpec spec = new ModelSpec(ModelPreset.logisticRegression().configJson(15, 2, PLAN));

        assertThat(spec.numInputs()).isEqualTo(15);
        assertThat(spec.numClasses()).isEqualTo(2);
        assertThat(spec.numParameters()).isEqualTo(15 * 2 + 2);
        assertThat(spec.newNetwork().numParams()).isEqualTo(spec.numParameters());
        MultiLayerConfiguration conf = MultiLayerConfiguration.fromJson(spec.configJson());
        assertThat(conf.getConfs()).hasSize(1);
        OutputLayer output = (OutputLayer) conf.getConf(0).getLayer();
        assertThat(output.getActivationFn()).isInstanceOf(ActivationSoftmax.class);
    }

    @Test
    void mlpStacksReluLayersBeforeSoftmaxOutput() {
        ModelSpec spec = new ModelSpec(ModelPreset.mlp(8, 4).configJson(10, 3, PLAN));

        assertThat(spec.numParameters()).isEqualTo((10 * 8 + 8) + (8 * 4 + 4) + (4 * 3 + 3));
        MultiLayerConfiguration conf = MultiLayerConfiguration.fromJson(spec.configJson());
        assertThat(conf.getConfs()).hasSize(3);
        assertThat(((DenseLayer) conf.getConf(0).getLayer()).getActivationFn()).isInstanceOf(ActivationReLU.class);
        assertThat(((DenseLayer) conf.getConf(1).getLayer()).getNOut()).isEqualTo(4);
        assertThat(conf.getConf(2).getLayer()).isInstanceOf(OutputLayer.class);
        assertThat(spec.numClasses()).isEqualTo(3);
    }

    @Test
    void configCarriesOptimizerLearningRateAndSeed() {
        String adam =
                ModelPreset.logisticRegression().configJson(4, 2, new TrainingPlan(1, 8, Optimizer.ADAM, 0.005, 99));
        String nesterov =
                ModelPreset.logisticRegression().configJson(4, 2, new TrainingPlan(1, 8, Optimizer.NESTEROV, 0.05, 99));

        BaseLayer adamLayer =
                (BaseLayer) MultiLayerConfiguration.fromJson(adam).getConf(0).getLayer();
        assertThat(adamLayer.getIUpdater())
                .isInstanceOfSatisfying(
                        Adam.class, u -> assertThat(u.getLearningRate()).isEqualTo(0.005));
        assertThat(MultiLayerConfiguration.fromJson(adam).getConf(0).getSeed()).isEqualTo(99);
        BaseLayer nesterovLayer = (BaseLayer)
                MultiLayerConfiguration.fromJson(nesterov).getConf(0).getLayer();
        assertThat(nesterovLayer.getIUpdater()).isInstanceOfSatisfying(Nesterovs.class, u -> {
            assertThat(u.getLearningRate()).isEqualTo(0.05);
            assertThat(u.getMomentum()).isEqualTo(Optimizer.NESTEROV_MOMENTUM);
        });
        assertThat(Updaters.of(Optimizer.SGD, 0.3)).isInstanceOf(Sgd.class);
    }

    @Test
    void sameConfigBuildsNetworksWithIdenticalInitialParameters() {
        ModelSpec spec = new ModelSpec(ModelPreset.mlp(5).configJson(6, 2, PLAN));

        assertThat(ParameterVectors.read(spec.newNetwork())).containsExactly(ParameterVectors.read(spec.newNetwork()));
    }

    @Test
    void rejectsFewerThanTwoClassesOrNoInputs() {
        assertThatThrownBy(() -> ModelPreset.logisticRegression().configJson(3, 1, PLAN))
                .hasMessageContaining("numClasses must be at least 2");
        assertThatThrownBy(() -> ModelPreset.logisticRegression().configJson(0, 2, PLAN))
                .hasMessageContaining("numInputs");
        assertThatThrownBy(() -> ModelPreset.mlp()).hasMessageContaining("logisticRegression");
        assertThatThrownBy(() -> ModelPreset.mlp(4, 0)).hasMessageContaining("at least 1");
    }

    @Test
    void specRejectsJsonThatIsNotAConfiguration() {
        assertThatThrownBy(() -> new ModelSpec("{\"not\": \"a model\"}"))
                .hasMessageContaining("ModelPreset.configJson");
        assertThatThrownBy(() -> new ModelSpec("garbage"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not valid JSON");
    }
}
