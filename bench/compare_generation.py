#!/usr/bin/python3
"""Char-level text generation, Recurrent vs PyTorch, on the same data in the same order.

Both sides: the text as one sequence of character ids (0 reserved for padding, so V = distinct chars + 1);
non-overlapping pairs x = ids[i*L : i*L+L], y = ids[i*L+1 : i*L+L+1]; the last 10 % of the pairs for
validation (Keras' validation_split); Embedding(V, E) -> LSTM(H) at every step -> Dense(V) softmax; mean
per-character cross-entropy; Adam; batches of B in order, no shuffling, so both take the same steps on the
same batches.

Initial weights of the PyTorch model (--torch-init):
  keras    (default) the initialisers our library uses, Keras' (embedding U(+-0.05), Glorot-uniform kernels,
           orthogonal recurrent kernel, zero biases with forget-gate bias 1), drawn by torch's generator;
  pytorch  PyTorch's own defaults (embedding N(0, 1), LSTM and Linear U(+-1/sqrt(fan_in)));
  ours     our exact initial weights and token ids, read from a model file our CLI saves after an epoch at
           lr 1e-30 (which leaves the weights as they were): differences left are only arithmetic.

Passes when our validation cross-entropy is at most PyTorch's + TOLERANCE nats/char. Exit code 0 / 1.
"""
import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch import nn

import keras_init
import recurrent_cli

TOLERANCE = 0.05  # nats per character


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("data", nargs="?", default=recurrent_cli.REPO.parent / "shared/data/tinyshakespeare.txt", type=Path,
                   help="plain text (default: ../shared/data/tinyshakespeare.txt next to the repository)")
    # Defaults sized so the whole script takes ~5-6 minutes on 2 cores (see docs/applications-vs-pytorch.md).
    p.add_argument("--chars", type=int, default=0, help="use only this many leading characters (0 = all)")
    p.add_argument("--seq-length", type=int, default=64)
    p.add_argument("--embedding-dim", type=int, default=32)
    p.add_argument("--units", type=int, default=128)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--lr", type=float, default=0.001)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--torch-init", choices=["keras", "pytorch", "ours"], default="keras")
    return p.parse_args()


def pairs(text, seq_length, index=None):
    """The (x, y) pairs and V. Without INDEX, characters are numbered alphabetically; ours numbers them by
    frequency, a relabelling that changes nothing for freshly drawn weights."""
    index = index or {c: i + 1 for i, c in enumerate(sorted(set(text)))}
    ids = torch.tensor([index[c] for c in text])
    count = (len(ids) - 1) // seq_length
    x = ids[: count * seq_length].view(count, seq_length)
    y = ids[1 : count * seq_length + 1].view(count, seq_length)
    return x, y, len(index) + 1


class CharLstm(nn.Module):
    def __init__(self, vocabulary, embedding_dim, units):
        super().__init__()
        self.embedding = nn.Embedding(vocabulary, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, units, batch_first=True)
        self.dense = nn.Linear(units, vocabulary)  # softmax lives in cross_entropy (same loss, more stable)

    def forward(self, x):
        return self.dense(self.lstm(self.embedding(x))[0])

    def set_keras_weights(self, embeddings, kernel, recurrent_kernel, bias, dense_kernel, dense_bias):
        with torch.no_grad():
            self.embedding.weight.copy_(embeddings)
        keras_init.set_lstm(self.lstm, kernel, recurrent_kernel, bias)
        keras_init.set_dense(self.dense, dense_kernel, dense_bias)

    def keras_init(self):
        with torch.no_grad():
            self.embedding.weight.uniform_(-0.05, 0.05)
        keras_init.init_lstm(self.lstm)
        keras_init.init_dense(self.dense)


def mean_cross_entropy(model, x, y, batch_size):
    total = 0.0
    with torch.no_grad():
        for b in range(0, len(x), batch_size):
            logits = model(x[b : b + batch_size])
            total += nn.functional.cross_entropy(logits.flatten(0, 1), y[b : b + batch_size].flatten(), reduction="sum").item()
    return total / y.numel()


def train_pytorch(text, a, our_model_file=None):
    start = time.perf_counter()
    torch.manual_seed(a.seed)
    index = None
    if our_model_file:
        weights, metadata = recurrent_cli.read_model_file(our_model_file)
        weights = {name: torch.from_numpy(w) for name, w in weights.items()}
        index = json.loads(json.loads(metadata["preprocessing"])["tokenizer"]["config"]["word_index"])
    x, y, vocabulary = pairs(text, a.seq_length, index)
    split = int(len(x) * (1 - 0.1))  # Keras: the first 90 % train, the rest validates
    model = CharLstm(vocabulary, a.embedding_dim, a.units)
    if our_model_file:
        model.set_keras_weights(*weights.values())  # stored in layer order
    elif a.torch_init == "keras":
        model.keras_init()
    # Keras' Adam adds its epsilon 1e-7 to sqrt(v) before bias correction, PyTorch its 1e-8 after: in PyTorch's
    # terms Keras' is 1e-7/sqrt(1-0.999^t), 3e-6 at the first step. Only the "ours" diagnostic copies Keras' form.
    optimizer = torch.optim.Adam(keras_init.trainable(model), lr=a.lr)
    step = 0
    for _ in range(a.epochs):
        for b in range(0, split, a.batch_size):  # the last, partial batch included, as Keras does
            xb, yb = x[b : min(b + a.batch_size, split)], y[b : min(b + a.batch_size, split)]
            loss = nn.functional.cross_entropy(model(xb).flatten(0, 1), yb.flatten())
            optimizer.zero_grad()
            loss.backward()
            step += 1
            if our_model_file:  # Keras adds 1e-7 to the uncorrected sqrt(v): PyTorch's eps with it undone
                optimizer.param_groups[0]["eps"] = 1e-7 / (1 - 0.999**step) ** 0.5
            optimizer.step()
    validation = mean_cross_entropy(model, x[split:], y[split:], a.batch_size)
    return validation, time.perf_counter() - start, len(x), split


def main():
    a = parse_args()
    torch.set_num_threads(2)
    text = a.data.read_text()
    if a.chars:
        text = text[: a.chars]

    with tempfile.TemporaryDirectory() as tmp:
        data, initial = Path(tmp) / "text.txt", Path(tmp) / "initial.rnn"
        data.write_text(text)
        args = ["--data", data, "--level", "char", "--seq-length", a.seq_length, "--embedding-dim", a.embedding_dim,
                "--cell", "lstm", "--units", a.units, "--batch-size", a.batch_size, "--validation-split", 0.1,
                "--no-shuffle", "--seed", a.seed, "--threads", 2]
        ours, ours_seconds = recurrent_cli.train("generate", args + ["--epochs", a.epochs, "--lr", a.lr])
        if a.torch_init == "ours":
            recurrent_cli.train("generate", args + ["--epochs", 1, "--lr", 1e-30], model=initial)
        theirs_loss, theirs_seconds, count, split = train_pytorch(text, a, initial if a.torch_init == "ours" else None)
    ours_loss = ours["validation"]["loss"]

    steps = a.epochs * -(-split // a.batch_size)
    print(f"text: {len(text):,} chars of {a.data.name}; {count} pairs of {a.seq_length} "
          f"({split} train, {count - split} validation); E={a.embedding_dim} H={a.units} B={a.batch_size} "
          f"epochs={a.epochs} ({steps} Adam steps, lr {a.lr}), seed {a.seed}, PyTorch init: {a.torch_init}")
    print(f"Recurrent  validation cross-entropy {ours_loss:.4f} nats/char   wall {ours_seconds:6.1f} s (whole CLI run)")
    print(f"PyTorch    validation cross-entropy {theirs_loss:.4f} nats/char   wall {theirs_seconds:6.1f} s (torch {torch.__version__}, 2 threads)")
    difference = ours_loss - theirs_loss
    passed = difference <= TOLERANCE
    print(f"{'PASS' if passed else 'FAIL'}: Recurrent - PyTorch = {difference:+.4f} nats/char (criterion <= +{TOLERANCE})")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
