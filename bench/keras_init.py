"""Keras' default initialisers, drawn with torch's generator, for the PyTorch side of the comparison scripts.

Our library initialises as Keras does; PyTorch's defaults differ (U(+-1/sqrt(fan_in)) everywhere, N(0, 1)
embeddings, two LSTM biases). Comparing training under the same initialisers separates how we train from
which defaults each framework picked.
"""
import torch
from torch import nn


def glorot(rows, cols):
    """Glorot-uniform for a Keras kernel of shape [rows, cols]."""
    return torch.empty(rows, cols).uniform_(-1, 1) * (6 / (rows + cols)) ** 0.5


def set_lstm(lstm, kernel, recurrent_kernel, bias):
    """Copies Keras-layout LSTM weights (kernels [in, 4H], gates i, f, c, o in both) into a one-layer nn.LSTM."""
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(kernel.T)
        lstm.weight_hh_l0.copy_(recurrent_kernel.T)
        lstm.bias_ih_l0.copy_(bias)
        # Keras has one bias, PyTorch two that add up: with both trained, Adam (steps ~lr per parameter)
        # would move their sum twice as fast. Holding the second at zero is Keras' LSTM exactly.
        lstm.bias_hh_l0.zero_()
    lstm.bias_hh_l0.requires_grad_(False)


def set_dense(linear, kernel, bias):
    """Copies a Keras Dense kernel [in, out] and bias into nn.Linear."""
    with torch.no_grad():
        linear.weight.copy_(kernel.T)
        linear.bias.copy_(bias)


def init_lstm(lstm):
    """Glorot-uniform kernel, orthogonal recurrent kernel, zero bias with forget-gate bias 1 (unit_forget_bias)."""
    i, h = lstm.input_size, lstm.hidden_size
    bias = torch.zeros(4 * h)
    bias[h : 2 * h] = 1
    set_lstm(lstm, glorot(i, 4 * h), nn.init.orthogonal_(torch.empty(h, 4 * h)), bias)


def init_dense(linear):
    """Glorot-uniform kernel, zero bias."""
    set_dense(linear, glorot(linear.in_features, linear.out_features), torch.zeros(linear.out_features))


def trainable(module):
    """The parameters the optimizer should see (a held-at-zero LSTM bias excluded)."""
    return [p for p in module.parameters() if p.requires_grad]
