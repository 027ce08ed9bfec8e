#!/usr/bin/env python3
"""Writes docs/models/heart-mlp-keras.h5: a Keras 2 HDF5 model file for Heart Disease, without Keras.

The file has the layout Keras 2's model.save("m.h5") writes (keras/saving/hdf5_format.py): root
attributes model_config (the architecture as JSON), keras_version, backend and training_config;
group model_weights with attribute layer_names and one group per layer whose attribute weight_names
lists its datasets (kernel [in, out], then bias [out]). The model is a Sequential
Dense(16, relu) -> Dense(2, softmax) over the 15 encoded Heart Disease features, with seeded weights
standing in for a pretrained model.

Needs only h5py and numpy (Debian: apt-get install python3-h5py).
Usage: /usr/bin/python3 scripts/keras-fixture.py [OUTPUT [VARIANT]]
  OUTPUT defaults to docs/models/heart-mlp-keras.h5. VARIANT makes the files the refusal tests use
  (learning/src/test/resources/keras/): "no-weights" leaves out model_weights; "batch-norm" puts a
  BatchNormalization layer, which the site trainer does not support, after the hidden layer;
  "oversized-extent" declares the hidden kernel as 65536 x 65537 floats with nothing stored (the
  attack on DL4J's importer that KerasWeightsCheck refuses before any weight is read).
"""
import json
import sys

import h5py
import numpy as np

INPUTS, HIDDEN, CLASSES = 15, 16, 2


def dense(name, units, activation):
    return {"class_name": "Dense", "config": {
        "name": name, "trainable": True, "dtype": "float32", "units": units, "activation": activation,
        "use_bias": True,
        "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
        "bias_initializer": {"class_name": "Zeros", "config": {}},
        "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
        "kernel_constraint": None, "bias_constraint": None}}


MODEL_CONFIG = {"class_name": "Sequential", "config": {"name": "heart_mlp", "layers": [
    {"class_name": "InputLayer", "config": {
        "batch_input_shape": [None, INPUTS], "dtype": "float32", "sparse": False, "ragged": False,
        "name": "features"}},
    dense("hidden", HIDDEN, "relu"),
    dense("output", CLASSES, "softmax")]}}

TRAINING_CONFIG = {
    "loss": "categorical_crossentropy", "metrics": ["accuracy"], "weighted_metrics": None,
    "loss_weights": None, "sample_weight_mode": None,
    "optimizer_config": {"class_name": "SGD", "config": {
        "name": "SGD", "learning_rate": 0.1, "decay": 0.0, "momentum": 0.0, "nesterov": False}}}


def batch_norm(name):
    return {"class_name": "BatchNormalization", "config": {
        "name": name, "trainable": True, "dtype": "float32", "axis": [1], "momentum": 0.99,
        "epsilon": 0.001, "center": True, "scale": True}}


def main(out, variant=None):
    rng = np.random.RandomState(13)
    config = json.loads(json.dumps(MODEL_CONFIG))
    weights = {
        "hidden": [("kernel", rng.uniform(-0.3, 0.3, (INPUTS, HIDDEN))),
                   ("bias", rng.uniform(-0.05, 0.05, HIDDEN))],
        "output": [("kernel", rng.uniform(-0.3, 0.3, (HIDDEN, CLASSES))), ("bias", np.zeros(CLASSES))],
    }
    if variant == "batch-norm":
        config["config"]["layers"].insert(2, batch_norm("norm"))
        weights = {"hidden": weights["hidden"],
                   "norm": [("gamma", np.ones(HIDDEN)), ("beta", np.zeros(HIDDEN)),
                            ("moving_mean", np.zeros(HIDDEN)), ("moving_variance", np.ones(HIDDEN))],
                   "output": weights["output"]}
    elif variant not in (None, "no-weights", "oversized-extent"):
        sys.exit(f"unknown variant {variant!r}: use no-weights, batch-norm or oversized-extent")
    # track_order off and no timestamps, so the same h5py and HDF5 write the same bytes.
    with h5py.File(out, "w", libver="earliest") as f:
        f.attrs["keras_version"] = np.bytes_("2.4.0")
        f.attrs["backend"] = np.bytes_("tensorflow")
        f.attrs["model_config"] = np.bytes_(json.dumps(config))
        f.attrs["training_config"] = np.bytes_(json.dumps(TRAINING_CONFIG))
        if variant == "no-weights":
            return
        group = f.create_group("model_weights")
        group.attrs["layer_names"] = np.array([np.bytes_(n) for n in weights])
        group.attrs["backend"] = np.bytes_("tensorflow")
        group.attrs["keras_version"] = np.bytes_("2.4.0")
        for layer, arrays in weights.items():
            g = group.create_group(layer)
            names = [f"{layer}/{kind}:0" for kind, _ in arrays]
            g.attrs["weight_names"] = np.array([np.bytes_(n) for n in names])
            for name, (_, values) in zip(names, arrays):
                if variant == "oversized-extent" and name == "hidden/kernel:0":
                    # Declared, never written: HDF5 allocates nothing, so the file stays a few KB.
                    g.create_dataset(name, shape=(65536, 65537), dtype="<f4", track_times=False)
                    continue
                g.create_dataset(name, data=values.astype("<f4"), track_times=False)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docs/models/heart-mlp-keras.h5",
         sys.argv[2] if len(sys.argv) > 2 else None)
