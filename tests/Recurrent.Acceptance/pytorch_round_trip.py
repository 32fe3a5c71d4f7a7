#!/usr/bin/python3
"""The PyTorch side of the acceptance round trip (PyTorchRoundTripTests.cs), with Debian's python3-torch.

    pytorch_round_trip.py make DIR    for each model NAME, a torch module with random weights: NAME.torch.safetensors
                                      (its state_dict), NAME.onnx (torch.onnx.export, opset 14, dynamic batch and time)
                                      and NAME.torch.json (inputs and torch's outputs at two shapes);
    pytorch_round_trip.py check DIR   loads our exports NAME.ours.safetensors into fresh torch modules
                                      (load_state_dict, strict) and compares with our outputs in NAME.ours.json;
                                      exit code 1 when any differs by more than 1e-5.
"""
import json
import os
import sys

import torch

from make_onnx_import_fixtures import Network, export, tensor
from make_pytorch_exchange_fixtures import load_safetensors, save_safetensors

TOLERANCE = 1e-5
SHAPES = [(2, 5), (4, 8)]

# The same models PyTorchRoundTripTests builds from our layers, module names as its PyTorchModuleMap.
MODELS = {
    "lstm_dense": lambda: Network(torch.nn.LSTM, "h_n", input_size=4, hidden_size=6, linear=(6, 3)),
    "gru_bi_embedding_dense": lambda: Network(torch.nn.GRU, "h_n", embedding=(12, 5), input_size=5, hidden_size=4,
                                              bidirectional=True, linear=(8, 2)),
    "rnn_l2_dense_sequence": lambda: Network(torch.nn.RNN, "sequence", input_size=4, hidden_size=5, num_layers=2, linear=(5, 2)),
}


def read_tensor(item, dtype):
    return torch.tensor(item["data"], dtype=dtype).reshape(item["shape"])


def make(folder):
    for index, (name, build) in enumerate(MODELS.items()):
        torch.manual_seed(300 + index)
        model = build().eval()
        with torch.no_grad():  # every weight random, biases too, so a misplaced bias or gate shows
            for parameter in model.parameters():
                parameter.uniform_(-0.6, 0.6)
        save_safetensors(os.path.join(folder, name + ".torch.safetensors"), model.state_dict())
        cases = []
        for batch, steps in SHAPES:
            x = torch.randint(0, 12, (batch, steps)) if model.embedding is not None else torch.randn(batch, steps, 4)
            with torch.no_grad():
                cases.append({"input": tensor(x), "output": tensor(model(x))})
            if len(cases) == 1:
                export(model, x, os.path.join(folder, name + ".onnx"))
        with open(os.path.join(folder, name + ".torch.json"), "w") as f:
            json.dump({"cases": cases}, f)
        print(f"{name}: made")


def check(folder):
    failures = 0
    for name, build in MODELS.items():
        model = build().eval()
        model.load_state_dict(load_safetensors(os.path.join(folder, name + ".ours.safetensors")), strict=True)
        with open(os.path.join(folder, name + ".ours.json")) as f:
            cases = json.load(f)["cases"]
        for case in cases:
            ids = model.embedding is not None
            x = read_tensor(case["input"], torch.long if ids else torch.float32)
            with torch.no_grad():
                y = model(x)
            expected = read_tensor(case["output"], torch.float32)
            difference = (y - expected).abs().max().item() if y.shape == expected.shape else float("inf")
            ok = difference <= TOLERANCE
            failures += not ok
            print(f"{name} {list(x.shape)}: max |torch - ours| = {difference:.2e} {'ok' if ok else 'FAIL'}")
    print(f"{len(MODELS)} models checked, {failures} failures")
    return failures


if __name__ == "__main__":
    command, directory = sys.argv[1], sys.argv[2]
    if command == "make":
        make(directory)
    else:
        sys.exit(1 if check(directory) else 0)
