package org.cohort.learning.model;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * Makes an imported Keras model's last Dense layer the DL4J {@link OutputLayer} a site trains.
 *
 * <p>Keras keeps the loss apart from the layers (in {@code training_config}, which DL4J's import
 * turns into a separate LossLayer the site trainer does not run); a study's loss follows from its
 * task instead: a softmax head is a classifier trained with cross-entropy (MCXENT), a sigmoid head
 * predicts one hazard per interval of a survival study (binary cross-entropy). An OutputLayer holds
 * the same weights as the Dense layer, in the same order, so the imported weights stay valid.
 */
final class KerasOutputLayer {
    private KerasOutputLayer() {}

    static MultiLayerConfiguration replaceLast(MultiLayerConfiguration conf) {
        NeuralNetConfiguration last = conf.getConf(conf.getConfs().size() - 1);
        last.setLayer(outputOf(last, "the last layer"));
        return conf;
    }

    static ComputationGraphConfiguration replaceLast(ComputationGraphConfiguration conf) {
        String output = conf.getNetworkOutputs().get(0);
        if (!(conf.getVertices().get(output) instanceof LayerVertex lv)) {
            throw new IllegalArgumentException("the Keras model's output '" + output + "' is not a layer; end the"
                    + " model with a Dense layer of softmax (classification) or sigmoid (survival) activation");
        }
        lv.getLayerConf().setLayer(outputOf(lv.getLayerConf(), "the output layer '" + output + "'"));
        return conf;
    }

    private static OutputLayer outputOf(NeuralNetConfiguration conf, String where) {
        if (conf.getLayer() instanceof OutputLayer out) {
            return out;
        }
        if (!(conf.getLayer() instanceof DenseLayer dense)
                || !(dense.getActivationFn() instanceof ActivationSoftmax
                        || dense.getActivationFn() instanceof ActivationSigmoid)) {
            throw new IllegalArgumentException("the Keras model's " + where.substring(4) + " is a "
                    + conf.getLayer().getClass().getSimpleName() + " with activation "
                    + (conf.getLayer() instanceof DenseLayer d ? d.getActivationFn() : "none")
                    + "; end the model with a Dense layer of softmax (classification) or sigmoid (survival)"
                    + " activation");
        }
        ILossFunction loss =
                dense.getActivationFn() instanceof ActivationSoftmax ? new LossMCXENT() : new LossBinaryXENT();
        OutputLayer out = new OutputLayer.Builder(loss)
                .nIn(dense.getNIn())
                .nOut(dense.getNOut())
                .activation(dense.getActivationFn())
                .weightInit(dense.getWeightInitFn())
                .biasInit(dense.getBiasInit())
                .hasBias(dense.hasBias())
                .updater(dense.getIUpdater())
                .biasUpdater(dense.getBiasUpdater())
                .name(dense.getLayerName())
                .build();
        out.setRegularization(dense.getRegularization());
        out.setRegularizationBias(dense.getRegularizationBias());
        return out;
    }
}
