#!/usr/bin/python3
"""Makes tests/Recurrent.Tests/Fixtures/training/*.json: 20 optimizer steps of two small PyTorch models.

Run with Debian's python3-torch (PyTorch 1.13):  /usr/bin/python3 tests/FixtureScripts/make_training_fixtures.py

Each file holds the initial state_dict, the 20 batches, and for each optimizer the loss of every step and the
final state_dict, computed in float64. The settings are those where PyTorch's definitions coincide with Keras':
- SGD with dampening 0 and a constant rate;
- Adam and RMSprop with epsilon 1e-30, so small that where it enters (inside or outside the square root, before or
  after bias correction) makes no difference in float64;
- the LSTM's bias_hh is frozen at zero: PyTorch's two biases are added in the same place, so training both moves
  their sum twice as fast as Keras' single bias would move.
"""
import copy
import json
import os

import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "Recurrent.Tests", "Fixtures", "training")
STEPS = 20


def tensor(t):
    return {"shape": list(t.shape), "data": [float(v) for v in t.detach().double().flatten().tolist()]}


class EmbeddingLstmDense(torch.nn.Module):
    """Embedding(10, 4) -> LSTM(5), last step -> Linear(3) logits; trained with cross-entropy."""

    def __init__(self):
        super().__init__()
        self.embedding = torch.nn.Embedding(10, 4)
        self.lstm = torch.nn.LSTM(4, 5, batch_first=True)
        with torch.no_grad():
            self.lstm.bias_hh_l0.zero_()
        self.lstm.bias_hh_l0.requires_grad_(False)
        self.dense = torch.nn.Linear(5, 3)

    def forward(self, ids):
        out, _ = self.lstm(self.embedding(ids))
        return self.dense(out[:, -1, :])


class GruDense(torch.nn.Module):
    """GRU(3 -> 6), last step -> Linear(1); trained with mean squared error."""

    def __init__(self):
        super().__init__()
        self.gru = torch.nn.GRU(3, 6, batch_first=True)
        self.dense = torch.nn.Linear(6, 1)

    def forward(self, x):
        out, _ = self.gru(x)
        return self.dense(out[:, -1, :])


OPTIMIZERS = {
    "sgd_momentum": (lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
                     {"name": "sgd", "learning_rate": 0.1, "momentum": 0.9}),
    "sgd_nesterov": (lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.8, nesterov=True),
                     {"name": "sgd", "learning_rate": 0.05, "momentum": 0.8, "nesterov": True}),
    "adam": (lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.9, 0.999), eps=1e-30),
             {"name": "adam", "learning_rate": 0.01, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-30}),
    "rmsprop": (lambda p: torch.optim.RMSprop(p, lr=0.005, alpha=0.9, eps=1e-30),
                {"name": "rmsprop", "learning_rate": 0.005, "rho": 0.9, "epsilon": 1e-30}),
}


def make(name, model, batches, loss_fn, loss_name):
    initial = copy.deepcopy(model.state_dict())
    runs = {}
    for key, (factory, settings) in OPTIMIZERS.items():
        model.load_state_dict(initial)
        optimizer = factory([p for p in model.parameters() if p.requires_grad])
        losses = []
        for x, y in batches:
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            losses.append(float(loss))
        runs[key] = {"optimizer": settings, "losses": losses,
                     "final": {k: tensor(v) for k, v in model.state_dict().items()}}
    document = {
        "case": name,
        "generator": f"PyTorch {torch.__version__}, tests/FixtureScripts/make_training_fixtures.py, float64",
        "loss": loss_name,
        "steps": STEPS,
        "initial": {k: tensor(v) for k, v in initial.items()},
        "batches": [{"x": tensor(x), "y": tensor(y)} for x, y in batches],
        "runs": runs,
    }
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(document, f, indent=1)


def main():
    torch.set_default_dtype(torch.float64)
    torch.manual_seed(20261125)
    lstm_batches = [(torch.randint(0, 10, (4, 6)), torch.randint(0, 3, (4,))) for _ in range(STEPS)]
    make("embedding_lstm_dense", EmbeddingLstmDense(), lstm_batches, torch.nn.functional.cross_entropy,
         "sparse_categorical_crossentropy (PyTorch cross_entropy on logits; ours: Dense softmax fused)")
    gru_batches = [(torch.randn(4, 5, 3), torch.randn(4, 1)) for _ in range(STEPS)]
    make("gru_dense", GruDense(), gru_batches, torch.nn.functional.mse_loss, "mean_squared_error")


if __name__ == "__main__":
    main()
