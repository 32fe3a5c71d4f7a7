#!/usr/bin/python3
"""Makes tests/Recurrent.Interop.Tests/Fixtures/keras/: small Keras files in the layouts the real files in
../shared/data/keras do not show, written with h5py exactly as Keras' savers lay them out (no Keras needed), with
expected outputs from an independent float64 numpy forward pass of the Keras layer equations.

Run with Debian's python3-h5py and python3-numpy:
    /usr/bin/python3 tests/FixtureScripts/make_keras_fixtures.py

Fixtures (NAME.expected.json holds the input and the expected output):
- k3_bidirectional.keras   Keras 3.10 `model.save("m.keras")` (saving_lib): metadata.json, config.json and
                           model.weights.h5 (layers/<class>[_k]/.../vars/0..n). Bidirectional(SimpleRNN, concat) ->
                           Bidirectional(GRU reset_after, hard_sigmoid (Keras 3: x/6 + 0.5), merge ave) -> Dense(softmax).
- k2_masked_lstm.weights.h5 + k2_masked_lstm.json
                           Keras 2.2.4 `model.save_weights("w.h5")` (layer_names / weight_names, `name:0` datasets)
                           and `model.to_json()`. Embedding(mask_zero) -> LSTM(hard_sigmoid (Keras 2: 0.2x + 0.5),
                           return_sequences) -> TimeDistributed(Dense) on pre-padded ids.
- k3_gru_stack.weights.h5  Keras 3.10 `model.save_weights("m.weights.h5")`: GRU(reset_after=False, return_sequences)
                           -> Dropout -> SimpleRNN(relu) -> Dense -> Dense, loaded into a model built in code.
- k2_lambda.h5             Keras 2.2.4 full-model .h5 whose second layer is a Lambda (must be refused, never run).
"""
import io
import json
import os
import zipfile

import h5py
import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "Recurrent.Interop.Tests", "Fixtures", "keras")
rng = np.random.default_rng(7)


def uniform(*shape):
    return rng.uniform(-0.6, 0.6, size=shape).astype(np.float32)


# ---- the Keras layer equations in float64 (gate orders: LSTM i, f, c, o; GRU z, r, h) -------------------------

def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


ACTIVATIONS = {
    "tanh": np.tanh,
    "sigmoid": sigmoid,
    "relu": lambda x: np.maximum(x, 0.0),
    "linear": lambda x: x,
    "hard_sigmoid_keras3": lambda x: np.clip(x / 6.0 + 0.5, 0.0, 1.0),
    "hard_sigmoid_keras2": lambda x: np.clip(0.2 * x + 0.5, 0.0, 1.0),
}


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def run_rnn(x, mask, step, n_states, units, go_backwards=False):
    """Runs step(x_t, states) -> states over [B, T, I]; a masked step keeps the states and repeats the last output
    (zeros before the first real step), as TensorFlow's RNN does. Returns outputs [B, T, H] in processing order."""
    b, t = x.shape[:2]
    order = range(t - 1, -1, -1) if go_backwards else range(t)
    states = [np.zeros((b, units)) for _ in range(n_states)]
    last = np.zeros((b, units))
    outputs = []
    for s in order:
        new = step(x[:, s], states)
        m = np.ones((b, 1)) if mask is None else mask[:, s:s + 1].astype(np.float64)
        states = [m * n + (1 - m) * o for n, o in zip(new, states)]
        last = m * new[0] + (1 - m) * last
        outputs.append(last)
    return np.stack(outputs, axis=1)


def simple_rnn_step(w, act):
    k, r, bias = (a.astype(np.float64) for a in w)
    return lambda x, s: [ACTIVATIONS[act](x @ k + s[0] @ r + bias)]


def lstm_step(w, rec_act):
    k, r, bias = (a.astype(np.float64) for a in w)
    f_rec = ACTIVATIONS[rec_act]

    def step(x, s):
        h, c = s
        z = x @ k + h @ r + bias
        i, f, g, o = np.split(z, 4, axis=-1)
        c = f_rec(f) * c + f_rec(i) * np.tanh(g)
        return [f_rec(o) * np.tanh(c), c]
    return step


def gru_step(w, rec_act, reset_after):
    k, r, bias = (a.astype(np.float64) for a in w)
    f_rec = ACTIVATIONS[rec_act]
    units = r.shape[0]

    def step(x, s):
        h = s[0]
        if reset_after:
            xz, xr, xh = np.split(x @ k + bias[0], 3, axis=-1)
            hz, hr, hh = np.split(h @ r + bias[1], 3, axis=-1)
            z, rr = f_rec(xz + hz), f_rec(xr + hr)
            cand = np.tanh(xh + rr * hh)
        else:
            xz, xr, xh = np.split(x @ k + bias, 3, axis=-1)
            z = f_rec(xz + h @ r[:, :units])
            rr = f_rec(xr + h @ r[:, units:2 * units])
            cand = np.tanh(xh + (rr * h) @ r[:, 2 * units:])
        return [z * h + (1 - z) * cand]
    return step


def bidirectional(x, forward_step, backward_step, n_states, units, merge):
    fwd = run_rnn(x, None, forward_step, n_states, units)
    bwd = run_rnn(x, None, backward_step, n_states, units, go_backwards=True)[:, ::-1]
    return {"concat": lambda: np.concatenate([fwd, bwd], axis=-1), "ave": lambda: (fwd + bwd) / 2}[merge]()


# ---- writers --------------------------------------------------------------------------------------------------

def tensor_json(a):
    return {"shape": list(a.shape), "data": [float(v) for v in np.asarray(a, dtype=np.float64).ravel()]}


def write_case(name, x, y):
    with open(os.path.join(OUT, name + ".expected.json"), "w") as f:
        json.dump({"input": tensor_json(x), "output": tensor_json(y)}, f)


def keras3_entry(class_name, config, build_shape=None):
    entry = {"module": "keras.layers", "class_name": class_name, "config": config, "registered_name": None}
    if build_shape is not None:
        entry["build_config"] = {"input_shape": build_shape}
    return entry


K3_DTYPE = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}


def k3_initializer(name):
    return {"module": "keras.initializers", "class_name": name, "config": {"seed": None}, "registered_name": None}


def k3_rnn_config(name, units, extra):
    config = {"name": name, "trainable": True, "dtype": K3_DTYPE, "return_sequences": True, "return_state": False,
              "go_backwards": False, "stateful": False, "unroll": False, "zero_output_for_mask": False,
              "units": units, "activation": "tanh", "use_bias": True,
              "kernel_initializer": k3_initializer("GlorotUniform"), "recurrent_initializer": k3_initializer("Orthogonal"),
              "bias_initializer": k3_initializer("Zeros"), "kernel_regularizer": None, "recurrent_regularizer": None,
              "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None,
              "recurrent_constraint": None, "bias_constraint": None, "dropout": 0.0, "recurrent_dropout": 0.0, "seed": None}
    config.update(extra)
    return config


def k3_dense_config(name, units, activation):
    return {"name": name, "trainable": True, "dtype": K3_DTYPE, "units": units, "activation": activation, "use_bias": True,
            "kernel_initializer": k3_initializer("GlorotUniform"), "bias_initializer": k3_initializer("Zeros"),
            "kernel_regularizer": None, "bias_regularizer": None, "kernel_constraint": None, "bias_constraint": None}


def write_k3_vars(h5, path, arrays):
    """saving_lib's H5Entry: every saved object gets <path>/vars, its variables named 0, 1, ... in order."""
    group = h5.require_group(path + "/vars" if path else "vars")
    for i, a in enumerate(arrays):
        group.create_dataset(str(i), data=a)


def make_k3_bidirectional():
    b, t, features = 2, 5, 3
    rnn_f, rnn_b = [uniform(3, 4), uniform(4, 4), uniform(4)], [uniform(3, 4), uniform(4, 4), uniform(4)]
    gru_f, gru_b = [uniform(8, 9), uniform(3, 9), uniform(2, 9)], [uniform(8, 9), uniform(3, 9), uniform(2, 9)]
    dense = [uniform(3, 2), uniform(2)]
    x = rng.uniform(-1, 1, size=(b, t, features)).astype(np.float32)

    h1 = bidirectional(x.astype(np.float64), simple_rnn_step(rnn_f, "tanh"), simple_rnn_step(rnn_b, "tanh"), 1, 4, "concat")
    gru_last = lambda w: gru_step(w, "hard_sigmoid_keras3", True)
    fwd = run_rnn(h1, None, gru_last(gru_f), 1, 3)[:, -1]
    bwd = run_rnn(h1, None, gru_last(gru_b), 1, 3, go_backwards=True)[:, -1]
    y = softmax(((fwd + bwd) / 2) @ dense[0].astype(np.float64) + dense[1])

    simple = lambda name, back: keras3_entry("SimpleRNN", k3_rnn_config(name, 4, {"go_backwards": back}), [None, t, features])
    gru = lambda name, back: keras3_entry("GRU", k3_rnn_config(name, 3, {
        "return_sequences": False, "go_backwards": back, "recurrent_activation": "hard_sigmoid", "reset_after": True}), [None, t, 8])
    config = {
        "module": "keras", "class_name": "Sequential", "registered_name": None,
        "config": {"name": "sequential", "trainable": True, "dtype": K3_DTYPE, "layers": [
            keras3_entry("InputLayer", {"batch_shape": [None, t, features], "dtype": "float32", "sparse": False, "ragged": False, "name": "input_layer"}),
            keras3_entry("Bidirectional", {"name": "bidirectional", "trainable": True, "dtype": K3_DTYPE, "merge_mode": "concat",
                                           "layer": simple("forward_simple_rnn", False), "backward_layer": simple("backward_simple_rnn", True)}, [None, t, features]),
            keras3_entry("Bidirectional", {"name": "bidirectional_1", "trainable": True, "dtype": K3_DTYPE, "merge_mode": "ave",
                                           "layer": gru("forward_gru", False), "backward_layer": gru("backward_gru", True)}, [None, t, 8]),
            keras3_entry("Dense", k3_dense_config("dense", 2, "softmax"), [None, 3]),
        ], "build_input_shape": [None, t, features]},
        "build_config": {"input_shape": [None, t, features]}, "compile_config": None,
    }
    weights = io.BytesIO()
    with h5py.File(weights, "w") as h5:
        write_k3_vars(h5, "", [])
        for layer, (fw, bw) in (("bidirectional", (rnn_f, rnn_b)), ("bidirectional_1", (gru_f, gru_b))):
            write_k3_vars(h5, f"layers/{layer}", [])
            for side, w in (("forward_layer", fw), ("backward_layer", bw)):
                write_k3_vars(h5, f"layers/{layer}/{side}", [])
                write_k3_vars(h5, f"layers/{layer}/{side}/cell", w)
        write_k3_vars(h5, "layers/dense", dense)
        write_k3_vars(h5, "optimizer", [np.array(12, dtype=np.int64)])
    with zipfile.ZipFile(os.path.join(OUT, "k3_bidirectional.keras"), "w") as zf:
        zf.writestr("metadata.json", json.dumps({"keras_version": "3.10.0", "date_saved": "2025-01-01@00:00:00"}))
        zf.writestr("config.json", json.dumps(config))
        zf.writestr("model.weights.h5", weights.getvalue())
    write_case("k3_bidirectional", x, y)


def k2_initializer(name):
    return {"class_name": name, "config": {"seed": None}}


def k2_layer_group(h5, layer, weights):
    """Keras 2 save_weights: one group per layer; weight_names lists `layer/name:0`, stored at those paths."""
    group = h5.create_group(layer)
    names = [f"{layer}/{name}:0" for name, _ in weights]
    group.attrs["weight_names"] = np.array([n.encode() for n in names]) if names else np.array([])
    for n, (_, array) in zip(names, weights):
        group.create_dataset(n, data=array)


def make_k2_masked_lstm():
    vocab, t = 12, 6
    emb = uniform(vocab, 4)
    lstm = [uniform(4, 20), uniform(5, 20), uniform(20)]
    dense = [uniform(5, 2), uniform(2)]
    ids = np.array([[0, 0, 3, 7, 1, 11], [0, 5, 9, 2, 4, 8], [0, 0, 0, 0, 6, 10]], dtype=np.int64)
    mask = ids != 0
    h = run_rnn(emb.astype(np.float64)[ids], mask, lstm_step(lstm, "hard_sigmoid_keras2"), 2, 5)
    y = h @ dense[0].astype(np.float64) + dense[1]

    layers = [
        {"class_name": "Embedding", "config": {"name": "embedding_1", "trainable": True, "batch_input_shape": [None, None],
            "dtype": "float32", "input_dim": vocab, "output_dim": 4, "embeddings_initializer": {"class_name": "RandomUniform",
            "config": {"minval": -0.05, "maxval": 0.05, "seed": None}}, "embeddings_regularizer": None,
            "activity_regularizer": None, "embeddings_constraint": None, "mask_zero": True, "input_length": None}},
        {"class_name": "LSTM", "config": {"name": "lstm_1", "trainable": True, "return_sequences": True, "return_state": False,
            "go_backwards": False, "stateful": False, "unroll": False, "units": 5, "activation": "tanh",
            "recurrent_activation": "hard_sigmoid", "use_bias": True, "kernel_initializer": k2_initializer("VarianceScaling"),
            "recurrent_initializer": k2_initializer("Orthogonal"), "bias_initializer": {"class_name": "Zeros", "config": {}},
            "unit_forget_bias": True, "kernel_regularizer": None, "recurrent_regularizer": None, "bias_regularizer": None,
            "activity_regularizer": None, "kernel_constraint": None, "recurrent_constraint": None, "bias_constraint": None,
            "dropout": 0.0, "recurrent_dropout": 0.0, "implementation": 1}},
        {"class_name": "TimeDistributed", "config": {"name": "time_distributed_1", "trainable": True, "layer": {
            "class_name": "Dense", "config": {"name": "dense_1", "trainable": True, "units": 2, "activation": "linear",
            "use_bias": True, "kernel_initializer": k2_initializer("VarianceScaling"), "bias_initializer": {"class_name": "Zeros", "config": {}},
            "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None,
            "bias_constraint": None}}}},
    ]
    with open(os.path.join(OUT, "k2_masked_lstm.json"), "w") as f:
        json.dump({"class_name": "Sequential", "config": {"name": "sequential_1", "layers": layers},
                   "keras_version": "2.2.4", "backend": "tensorflow"}, f)
    with h5py.File(os.path.join(OUT, "k2_masked_lstm.weights.h5"), "w") as h5:
        h5.attrs["layer_names"] = np.array([b"embedding_1", b"lstm_1", b"time_distributed_1"])
        h5.attrs["backend"] = b"tensorflow"
        h5.attrs["keras_version"] = b"2.2.4"
        k2_layer_group(h5, "embedding_1", [("embeddings", emb)])
        k2_layer_group(h5, "lstm_1", [("kernel", lstm[0]), ("recurrent_kernel", lstm[1]), ("bias", lstm[2])])
        k2_layer_group(h5, "time_distributed_1", [("kernel", dense[0]), ("bias", dense[1])])
    write_case("k2_masked_lstm", ids, y)


def make_k3_gru_stack():
    b, t, features = 3, 4, 2
    gru = [uniform(2, 9), uniform(3, 9), uniform(9)]
    rnn = [uniform(3, 4), uniform(4, 4), uniform(4)]
    d1, d2 = [uniform(4, 3), uniform(3)], [uniform(3, 1), uniform(1)]
    x = rng.uniform(-1, 1, size=(b, t, features)).astype(np.float32)
    h = run_rnn(x.astype(np.float64), None, gru_step(gru, "sigmoid", False), 1, 3)
    h = run_rnn(h, None, simple_rnn_step(rnn, "relu"), 1, 4)[:, -1]
    y = (h @ d1[0].astype(np.float64) + d1[1]) @ d2[0].astype(np.float64) + d2[1]
    with h5py.File(os.path.join(OUT, "k3_gru_stack.weights.h5"), "w") as h5:
        write_k3_vars(h5, "", [])
        for path, w in (("layers/gru", []), ("layers/gru/cell", gru), ("layers/dropout", []), ("layers/simple_rnn", []),
                        ("layers/simple_rnn/cell", rnn), ("layers/dense", d1), ("layers/dense_1", d2)):
            write_k3_vars(h5, path, w)
    write_case("k3_gru_stack", x, y)


def make_k2_lambda():
    layers = [
        {"class_name": "Dense", "config": {"name": "dense_1", "trainable": True, "batch_input_shape": [None, 3], "dtype": "float32",
            "units": 2, "activation": "linear", "use_bias": True}},
        {"class_name": "Lambda", "config": {"name": "lambda_1", "trainable": True,
            "function": ["4wEAAAAAAAAAAQAAAAIAAABDAAAAcwgAAAB8AGQBFABTACkCTukCAAAAqQApAdoBeHIBAAAAcgEAAAD6A", None, None],
            "function_type": "lambda", "output_shape": None, "output_shape_type": "raw", "arguments": {}}},
    ]
    with h5py.File(os.path.join(OUT, "k2_lambda.h5"), "w") as h5:
        h5.attrs["keras_version"] = b"2.2.4"
        h5.attrs["backend"] = b"tensorflow"
        h5.attrs["model_config"] = json.dumps({"class_name": "Sequential", "config": {"name": "sequential_1", "layers": layers}}).encode()
        weights = h5.create_group("model_weights")
        weights.attrs["layer_names"] = np.array([b"dense_1", b"lambda_1"])
        k2_layer_group(weights, "dense_1", [("kernel", uniform(3, 2)), ("bias", uniform(2))])
        k2_layer_group(weights, "lambda_1", [])


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    make_k3_bidirectional()
    make_k2_masked_lstm()
    make_k3_gru_stack()
    make_k2_lambda()
