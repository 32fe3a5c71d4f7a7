#!/usr/bin/python3
"""Makes tests/Recurrent.Interop.Tests/Fixtures/onnx/: small PyTorch models exported by torch.onnx.export (opset 14,
dynamic batch and time axes), with inputs and PyTorch's outputs, for OnnxImporter's tests.

Run with Debian's python3-torch (PyTorch 1.13) and python3-onnx:
    /usr/bin/python3 tests/FixtureScripts/make_onnx_import_fixtures.py

For each model NAME:
- NAME.onnx   torch.onnx.export(model, x, opset_version=14, dynamic_axes batch and time), input "input", output "output";
- NAME.json   two cases: the exported shape, and another batch size and sequence length; each with the input and
              PyTorch's float32 output.
and in refused/, graphs import must refuse (OnnxImportTests asserts the messages): the last step of a
bidirectional GRU, a time-major (batch_first=False) LSTM, and a GELU (an Erf node) after an LSTM.
"""
import json
import os
import sys
import warnings

import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "Recurrent.Interop.Tests", "Fixtures", "onnx")
SHAPES = [(2, 5), (3, 9)]  # (batch, time): the exported shape first


class Network(torch.nn.Module):
    """Optional Embedding, one batch_first recurrent module, then what the classifier or tagger reads of it:
    every step ("sequence"), the last step ("last"), the last layer's final state h_n[-1] ("h_n") or, bidirectional,
    cat(h_n[-2], h_n[-1]) ("h_n"); then an optional Linear and activation."""

    def __init__(self, cell, read, embedding=None, linear=None, activation=None, **kwargs):
        super().__init__()
        self.embedding = torch.nn.Embedding(*embedding) if embedding else None
        self.rnn = cell(batch_first=True, **kwargs)
        self.read = read
        self.linear = torch.nn.Linear(*linear) if linear else None
        self.activation = activation

    def forward(self, x):
        if self.embedding is not None:
            x = self.embedding(x)
        y, state = self.rnn(x)
        h = state[0] if isinstance(state, tuple) else state
        if self.read == "last":
            y = y[:, -1, :]
        elif self.read == "h_n":
            y = torch.cat([h[-2], h[-1]], dim=1) if self.rnn.bidirectional else h[-1]
        if self.linear is not None:
            y = self.linear(y)
        return self.activation(y) if self.activation is not None else y


VOCABULARY = 12
MODELS = {
    # nn.LSTM -> the last step -> Linear: a sequence regressor.
    "lstm_last_linear": lambda: Network(torch.nn.LSTM, "last", input_size=4, hidden_size=6, linear=(6, 3)),
    # 2-layer nn.LSTM -> Linear and softmax on every step: a tagger.
    "lstm_l2_sequence_softmax": lambda: Network(torch.nn.LSTM, "sequence", input_size=4, hidden_size=5, num_layers=2,
                                                linear=(5, 3), activation=lambda y: torch.softmax(y, dim=-1)),
    # Embedding -> bidirectional nn.GRU -> cat(h_n[-2], h_n[-1]) -> Linear: a text classifier.
    "gru_bi_embedding_h_n": lambda: Network(torch.nn.GRU, "h_n", embedding=(VOCABULARY, 5), input_size=5, hidden_size=4,
                                            bidirectional=True, linear=(8, 2)),
    # Embedding -> 2-layer bidirectional nn.GRU -> Linear on every step.
    "gru_l2_bi_embedding_sequence": lambda: Network(torch.nn.GRU, "sequence", embedding=(VOCABULARY, 4), input_size=4,
                                                    hidden_size=3, num_layers=2, bidirectional=True, linear=(6, 2)),
    # nn.RNN (tanh) -> h_n[-1] -> Linear -> sigmoid.
    "rnn_tanh_h_n_sigmoid": lambda: Network(torch.nn.RNN, "h_n", input_size=4, hidden_size=5, linear=(5, 1), activation=torch.sigmoid),
    # 2-layer nn.RNN (relu), every step, no head.
    "rnn_relu_l2_sequence": lambda: Network(torch.nn.RNN, "sequence", input_size=4, hidden_size=5, num_layers=2, nonlinearity="relu"),
    # 2-layer bidirectional nn.LSTM -> the last layer's final states -> Linear -> tanh.
    "lstm_l2_bi_h_n_tanh": lambda: Network(torch.nn.LSTM, "h_n", input_size=3, hidden_size=4, num_layers=2, bidirectional=True,
                                           linear=(8, 2), activation=torch.tanh),
}


class TimeMajor(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = torch.nn.LSTM(4, 3)
        self.read = "sequence"
        self.embedding = None

    def forward(self, x):
        return self.rnn(x)[0]


REFUSED = {
    "gru_bi_last_step": lambda: Network(torch.nn.GRU, "last", input_size=4, hidden_size=3, bidirectional=True),
    "lstm_time_major": TimeMajor,
    "lstm_gelu": lambda: Network(torch.nn.LSTM, "sequence", input_size=4, hidden_size=3, activation=torch.nn.functional.gelu),
}


def make_input(model, batch, steps):
    if model.embedding is not None:
        return torch.randint(0, VOCABULARY, (batch, steps))
    return torch.randn(batch, steps, model.rnn.input_size)


def tensor(t):
    return {"shape": list(t.shape), "data": [float(v) for v in t.detach().double().flatten().tolist()]}


def export(model, x, path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns about batch sizes; the zero states here take theirs from the input
        torch.onnx.export(model, (x,), path, opset_version=14, input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "batch", 1: "time"}, "output": {0: "batch"} if model.read != "sequence" else {0: "batch", 1: "time"}})


def main(out):
    os.makedirs(out, exist_ok=True)
    for index, (name, make) in enumerate(MODELS.items()):
        torch.manual_seed(200 + index)
        model = make().eval()
        cases = []
        for batch, steps in SHAPES:
            x = make_input(model, batch, steps)
            with torch.no_grad():
                y = model(x)
            if not cases:
                export(model, x, os.path.join(out, name + ".onnx"))
            cases.append({"input": tensor(x), "output": tensor(y)})
        with open(os.path.join(out, name + ".json"), "w") as f:
            json.dump({"model": name, "torch": torch.__version__, "cases": cases}, f)
        print(f"{name}: output {cases[0]['output']['shape']} and {cases[1]['output']['shape']}")
    os.makedirs(os.path.join(out, "refused"), exist_ok=True)
    for name, make in REFUSED.items():
        torch.manual_seed(0)
        model = make().eval()
        export(model, make_input(model, 2, 5), os.path.join(out, "refused", name + ".onnx"))
        print(f"refused/{name}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else OUT)
