package org.cohort.agent;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.cohort.learning.model.ModelSpec;
import org.cohort.protocol.trainer.v1.ModelDescription;
import org.cohort.protocol.trainer.v1.TensorSpec;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossNegativeLogLikelihood;

/**
 * A study's model as a framework-neutral list of dense layers, for a trainer outside the agent's
 * process ({@code cohort.trainer.v1}'s ModelDescription), and the names and shapes of its
 * parameter tensors in DL4J's flat order: per layer {@code layers.<i>.weight} [outputs, inputs]
 * row-major (DL4J's [inputs, outputs] column-major, the same bytes) then {@code layers.<i>.bias}
 * [outputs]. What the external trainers take today: dense layers with ReLU, tanh, sigmoid or
 * identity, and a softmax output with cross-entropy loss (both presets).
 */
record DenseLayout(List<Dense> layers) {

    record Dense(int inputs, int outputs, String activation) {}

    /** One tensor of the flat vector; {@code shape} in row-major order. */
    record Tensor(String name, List<Long> shape) {
        long size() {
            return shape.stream().reduce(1L, Math::multiplyExact);
        }

        TensorSpec toProto() {
            return TensorSpec.newBuilder().setName(name).addAllShape(shape).build();
        }

        static Tensor of(TensorSpec spec) {
            return new Tensor(spec.getName(), List.copyOf(spec.getShapeList()));
        }
    }

    /** The layout of the model, or empty when it is not a stack of dense layers with a softmax output. */
    static Optional<DenseLayout> of(String modelConfigJson) {
        return problem(modelConfigJson).isPresent() ? Optional.empty() : Optional.of(parse(modelConfigJson));
    }

    /** Why the model is not a stack of dense layers an external trainer takes, or empty. */
    static Optional<String> problem(String modelConfigJson) {
        ModelSpec spec;
        try {
            spec = new ModelSpec(modelConfigJson);
        } catch (RuntimeException e) {
            return Optional.of(
                    "the study's model cannot be read (" + e.getClass().getSimpleName() + ")");
        }
        if (spec.isGraph()) {
            return Optional.of("the study's model is a ComputationGraph; the external trainer takes a stack of dense"
                    + " layers (the presets) for now");
        }
        List<Layer> layers = spec.layers();
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            boolean last = i == layers.size() - 1;
            String where = "layer " + i + " (" + layer.getClass().getSimpleName() + ")";
            if (last) {
                if (!(layer instanceof OutputLayer out)) {
                    return Optional.of(where + " is not a dense softmax output layer");
                }
                if (!(out.getActivationFn() instanceof ActivationSoftmax)
                        || !(out.getLossFn() instanceof LossMCXENT
                                || out.getLossFn() instanceof LossNegativeLogLikelihood)
                        || out.getLossFn() instanceof LossMCXENT m && m.getWeights() != null) {
                    return Optional.of(where + " is not softmax with unweighted cross-entropy");
                }
            } else if (!(layer instanceof DenseLayer) || activation(((BaseLayer) layer).getActivationFn()) == null) {
                return Optional.of(where + " is not a dense layer with ReLU, tanh, sigmoid or identity activation");
            }
            var base = (org.deeplearning4j.nn.conf.layers.FeedForwardLayer) layer;
            if (layer instanceof DenseLayer d && !d.hasBias() || layer instanceof OutputLayer o && !o.hasBias()) {
                return Optional.of(where + " has no bias");
            }
            if (base.getNIn() < 1 || base.getNOut() < 1) {
                return Optional.of(where + " has no stated width");
            }
            if (layer.getIDropout() != null) {
                return Optional.of(where + " has dropout");
            }
        }
        return Optional.empty();
    }

    private static DenseLayout parse(String modelConfigJson) {
        var out = new ArrayList<Dense>();
        List<Layer> layers = new ModelSpec(modelConfigJson).layers();
        for (int i = 0; i < layers.size(); i++) {
            var layer = (org.deeplearning4j.nn.conf.layers.FeedForwardLayer) layers.get(i);
            out.add(new Dense(
                    Math.toIntExact(layer.getNIn()),
                    Math.toIntExact(layer.getNOut()),
                    i == layers.size() - 1 ? "softmax" : activation(layer.getActivationFn())));
        }
        return new DenseLayout(List.copyOf(out));
    }

    private static String activation(IActivation fn) {
        if (fn instanceof ActivationReLU r) {
            return r.getMax() == null && zero(r.getThreshold()) && zero(r.getNegativeSlope()) ? "relu" : null;
        }
        if (fn instanceof ActivationTanH) {
            return "tanh";
        }
        if (fn instanceof ActivationSigmoid) {
            return "sigmoid";
        }
        return fn instanceof ActivationIdentity ? "identity" : null;
    }

    private static boolean zero(Double value) {
        return value == null || value == 0;
    }

    List<Tensor> tensors() {
        var out = new ArrayList<Tensor>();
        for (int i = 0; i < layers.size(); i++) {
            Dense d = layers.get(i);
            out.add(new Tensor("layers." + i + ".weight", List.of((long) d.outputs(), (long) d.inputs())));
            out.add(new Tensor("layers." + i + ".bias", List.of((long) d.outputs())));
        }
        return List.copyOf(out);
    }

    long numParameters() {
        return tensors().stream().mapToLong(Tensor::size).sum();
    }

    ModelDescription toProto() {
        var b = ModelDescription.newBuilder().setKind("dense").setLoss("softmax-cross-entropy");
        for (Dense d : layers) {
            b.addLayers(org.cohort.protocol.trainer.v1.DenseLayer.newBuilder()
                    .setInputs(d.inputs())
                    .setOutputs(d.outputs())
                    .setActivation(d.activation()));
        }
        return b.build();
    }
}
