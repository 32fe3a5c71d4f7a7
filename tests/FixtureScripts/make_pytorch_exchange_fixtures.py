#!/usr/bin/python3
"""Makes tests/Recurrent.Tests/Fixtures/pytorch_exchange/: small PyTorch models' state_dicts as safetensors, with
inputs and outputs, for PyTorchStateDict's import and export tests.

Run with Debian's python3-torch (PyTorch 1.13), no safetensors package needed:
    /usr/bin/python3 tests/FixtureScripts/make_pytorch_exchange_fixtures.py

For each model NAME:
- NAME.safetensors         model.state_dict() in float32, as safetensors.torch.save_file writes it;
- NAME.export.safetensors  what our exporter must write back after importing it: SimpleRNN and LSTM keep one bias,
                           so bias_ih = bias_ih + bias_hh and bias_hh = 0 (GRU, Linear, Embedding unchanged).
                           The script loads it into a fresh module (load_state_dict, strict) and checks the outputs
                           equal the original's, so a C# export equal to this file is one PyTorch loads and runs alike;
- NAME.json                the input and the output, computed in float64 from the float32 weights.
"""
import json
import os

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "Recurrent.Tests", "Fixtures", "pytorch_exchange")
B, T = 3, 5


def save_safetensors(path, tensors):
    """The safetensors layout: u64 header length, JSON header (padded with spaces to 8 bytes), raw little-endian data."""
    header, chunks, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, tensor in tensors.items():
        data = tensor.detach().cpu().contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensor.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(len(text).to_bytes(8, "little"))
        f.write(text)
        for chunk in chunks:
            f.write(chunk)


def load_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    size = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + size])
    data = raw[8 + size:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        tensors[name] = torch.from_numpy(np.frombuffer(data[start:end], dtype="<f4").reshape(info["shape"]).copy())
    return tensors


def tensor(t):
    return {"shape": list(t.shape), "data": [float(v) for v in t.detach().double().flatten().tolist()]}


class Recurrent(torch.nn.Module):
    """An optional embedding, one recurrent module (every step's output), and a Linear on every step or the last."""

    def __init__(self, cell, embedding=None, last_step=False, **kwargs):
        super().__init__()
        if embedding is not None:
            self.embedding = torch.nn.Embedding(*embedding)
        self.rnn = cell(batch_first=True, **{k: v for k, v in kwargs.items() if k != "head"})
        self.head = kwargs.get("head")
        self.last_step = last_step

    def forward(self, x):
        if hasattr(self, "embedding"):
            x = self.embedding(x)
        out, _ = self.rnn(x)
        return self.head(out[:, -1, :] if self.last_step else out)


def head(i, o, bias=True):
    return torch.nn.Linear(i, o, bias=bias)


# name -> (constructor, input maker); the C# tests build the same stacks (PyTorchStateDictTests).
MODELS = {
    # nn.RNN, 2 layers, bidirectional -> Bidirectional(SimpleRNN) x 2 -> Dense on every step.
    "rnn_l2_bi": (lambda: Recurrent(torch.nn.RNN, input_size=4, hidden_size=5, num_layers=2, bidirectional=True, head=head(10, 2)),
                  lambda: torch.randn(B, T, 4)),
    # Embedding -> nn.LSTM, 2 layers, bidirectional -> TimeDistributed(Dense).
    "lstm_embedding_l2_bi": (lambda: Recurrent(torch.nn.LSTM, embedding=(12, 4), input_size=4, hidden_size=6, num_layers=2,
                                               bidirectional=True, head=head(12, 3)),
                             lambda: torch.randint(0, 12, (B, T)).double()),
    # nn.GRU, 2 layers -> the last step -> Dense(1).
    "gru_l2": (lambda: Recurrent(torch.nn.GRU, last_step=True, input_size=3, hidden_size=5, num_layers=2, head=head(5, 1)),
               lambda: torch.randn(B, T, 3)),
    # nn.LSTM and nn.Linear without biases.
    "lstm_nobias": (lambda: Recurrent(torch.nn.LSTM, input_size=3, hidden_size=4, bias=False, head=head(4, 2, bias=False)),
                    lambda: torch.randn(B, T, 3)),
}


def folded(state, is_gru):
    """state_dict as our exporter writes it: one recurrent bias (SimpleRNN, LSTM) moved whole into bias_ih."""
    result = dict(state)
    if not is_gru:
        for name, value in state.items():
            if ".bias_hh_l" in name:
                ih = name.replace("bias_hh", "bias_ih")
                result[ih] = state[ih] + value  # float32, as our exporter adds them
                result[name] = torch.zeros_like(value)
    return result


def run(model, x):
    with torch.no_grad():
        inputs = x.long() if hasattr(model, "embedding") else x.double()
        return model.double()(inputs)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    for index, (name, (make, make_input)) in enumerate(MODELS.items()):
        torch.manual_seed(100 + index)
        model = make().float()
        x = make_input().float()
        state = {k: v.clone() for k, v in model.state_dict().items()}
        path = os.path.join(OUT, name + ".safetensors")
        save_safetensors(path, state)
        output = run(model, x)

        export = folded(state, isinstance(model.rnn, torch.nn.GRU))
        export_path = os.path.join(OUT, name + ".export.safetensors")
        save_safetensors(export_path, export)
        # Our own reader, PyTorch's strict loader, and the same outputs (up to float32 rounding of the summed bias):
        # the export is a state_dict PyTorch runs alike.
        again = make().float()
        again.load_state_dict(load_safetensors(export_path), strict=True)
        difference = (run(again, x) - output).abs().max().item()
        assert difference < 1e-6, f"{name}: the folded state_dict differs by {difference}"

        with open(os.path.join(OUT, name + ".json"), "w") as f:
            json.dump({"model": name, "input": tensor(x), "output": tensor(output)}, f)
        print(f"{name}: {len(state)} tensors, output {list(output.shape)}, folded export differs by {difference:.1e}")
