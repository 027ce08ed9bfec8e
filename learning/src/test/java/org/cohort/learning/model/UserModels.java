package org.cohort.learning.model;

import java.nio.file.Files;
import java.nio.file.Path;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/** User-supplied model configurations, as an ML team would write them with DL4J's builders. */
public final class UserModels {
    private UserModels() {}

    /** The README's example: {@code docs/models/heart-residual-mlp.json} (15 inputs, 2 classes). */
    public static String readmeResidualMlp() throws java.io.IOException {
        return Files.readString(Path.of("..", "docs", "models", "heart-residual-mlp.json"));
    }

    /** A small MLP with one residual block: dense, dense, Add, softmax output. */
    public static String residualGraph(int inputs, int width, int classes) {
        return new NeuralNetConfiguration.Builder()
                .seed(3)
                .dataType(DataType.FLOAT)
                .updater(new Sgd(0.1))
                .graphBuilder()
                .addInputs("in")
                .addLayer("d0", dense(inputs, width), "in")
                .addLayer("d1", dense(width, width), "d0")
                .addVertex("res", new ElementWiseVertex(ElementWiseVertex.Op.Add), "d0", "d1")
                .addLayer("out", output(width, classes), "res")
                .setOutputs("out")
                .build()
                .toJson();
    }

    /** A CNN over a row read as a {@code side}×{@code side} single-channel image: conv, max-pool, softmax. */
    public static String cnn(int side, int channels, int classes) {
        return new NeuralNetConfiguration.Builder()
                .seed(3)
                .dataType(DataType.FLOAT)
                .list()
                .layer(new ConvolutionLayer.Builder(3, 3)
                        .nOut(channels)
                        .activation(Activation.RELU)
                        .build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
                        .kernelSize(2, 2)
                        .stride(2, 2)
                        .build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT)
                        .nOut(classes)
                        .activation(Activation.SOFTMAX)
                        .build())
                .setInputType(InputType.convolutionalFlat(side, side, 1))
                .build()
                .toJson();
    }

    static DenseLayer dense(long in, long out) {
        return new DenseLayer.Builder()
                .nIn(in)
                .nOut(out)
                .activation(Activation.RELU)
                .build();
    }

    static OutputLayer output(long in, long classes) {
        return new OutputLayer.Builder(LossFunction.MCXENT)
                .nIn(in)
                .nOut(classes)
                .activation(Activation.SOFTMAX)
                .build();
    }
}
