"""An independent oracle: the solved RNN, LSTM and GRU against torch.nn.RNN / LSTM / GRU.

float64, batch_first=True, our weights mapped onto PyTorch's; forward outputs and every gradient must
agree to 1e-10 relative error measured normwise (max |difference| over max |reference|).
PyTorch is a test-only dependency: `make oracle-deps` installs it (CI does); without it these tests
are skipped with a visible reason.
"""

import numpy as np
import pytest

from checks.inputs import GATE_BLOCKS
from solutions.gradient_check import normwise_rel_error
from solutions.rnn_layers import (
    gru_backward,
    gru_forward,
    lstm_backward,
    lstm_forward,
    rnn_backward,
    rnn_forward,
)

torch = pytest.importorskip("torch", reason="torch is not installed; `make oracle-deps` installs it")

TOL = 1e-10
SHAPES = [(1, 1, 1, 1), (1, 4, 3, 2), (3, 1, 5, 4), (2, 7, 3, 1), (4, 50, 6, 8), (8, 16, 10, 12)]


def lstm_to_torch_order(w):
    """Our gate blocks i, f, o, g (last axis) in PyTorch's order i, f, g, o."""
    i, f, o, g = np.split(w, 4, axis=-1)
    return np.concatenate([i, f, g, o], axis=-1)


def run_torch(kind, x, h0, params, dh):
    """PyTorch's h and gradients (dx, dh0, dWx, dWh, then bias gradients) in our layout."""
    D, H = x.shape[2], h0.shape[1]
    cls = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind]
    net = cls(D, H, batch_first=True, dtype=torch.float64)
    Wx, Wh, *biases = params
    if kind == "lstm":
        Wx, Wh, biases = lstm_to_torch_order(Wx), lstm_to_torch_order(Wh), [lstm_to_torch_order(biases[0])]
    if kind != "gru":
        biases = [biases[0], np.zeros_like(biases[0])]  # one bias: PyTorch's second one stays zero
    with torch.no_grad():
        net.weight_ih_l0.copy_(torch.from_numpy(Wx.T.copy()))
        net.weight_hh_l0.copy_(torch.from_numpy(Wh.T.copy()))
        net.bias_ih_l0.copy_(torch.from_numpy(biases[0]))
        net.bias_hh_l0.copy_(torch.from_numpy(biases[1]))
    xt = torch.from_numpy(x.copy()).requires_grad_()
    h0t = torch.from_numpy(h0[None].copy()).requires_grad_()
    state = (h0t, torch.zeros_like(h0t)) if kind == "lstm" else h0t
    out, _ = net(xt, state)
    (out * torch.from_numpy(dh)).sum().backward()
    grads = [
        xt.grad.numpy(),
        h0t.grad[0].numpy(),
        net.weight_ih_l0.grad.numpy().T,
        net.weight_hh_l0.grad.numpy().T,
    ]
    b_ih, b_hh = net.bias_ih_l0.grad.numpy(), net.bias_hh_l0.grad.numpy()
    if kind == "lstm":
        grads = [*grads[:2], *map(_from_torch_order, grads[2:]), _from_torch_order(b_ih)]
    elif kind == "rnn":
        grads.append(b_ih)
    else:
        grads += [b_ih, b_hh]
    return out.detach().numpy(), grads


def _from_torch_order(w):
    i, f, g, o = np.split(w, 4, axis=-1)
    return np.concatenate([i, f, o, g], axis=-1)


def make_params(kind, D, H, rng):
    gates = GATE_BLOCKS[kind]
    params = [0.5 * rng.randn(D, gates * H), 0.5 * rng.randn(H, gates * H), 0.5 * rng.randn(gates * H)]
    if kind == "gru":
        params.append(0.5 * rng.randn(gates * H))
    return params


OURS = {
    "rnn": (rnn_forward, rnn_backward),
    "lstm": (lstm_forward, lstm_backward),
    "gru": (gru_forward, gru_backward),
}


@pytest.mark.parametrize("N, T, D, H", SHAPES)
@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_forward_and_every_gradient_match_pytorch(kind, N, T, D, H):
    rng = np.random.RandomState(N * 1000 + T * 10 + H)
    x, h0 = rng.randn(N, T, D), rng.randn(N, H)
    params = make_params(kind, D, H, rng)
    dh = rng.randn(N, T, H)
    forward, backward = OURS[kind]
    h, *_, cache = forward(x, h0, *params)
    grads = backward(dh, cache)
    h_ref, grads_ref = run_torch(kind, x, h0, params, dh)
    assert normwise_rel_error(h, h_ref) < TOL, "h"
    names = ["dx", "dh0", "dWx", "dWh", "db"] if kind != "gru" else ["dx", "dh0", "dWx", "dWh", "dbx", "dbh"]
    assert len(grads) == len(grads_ref) == len(names)
    for name, ours, ref in zip(names, grads, grads_ref, strict=True):
        assert ours.shape == ref.shape, name
        assert normwise_rel_error(ours, ref) < TOL, f"{kind} {name}: {normwise_rel_error(ours, ref):.1e}"


def test_the_oracle_itself_sees_a_wrong_gate_order():
    """Mapping LSTM gates in PyTorch's own order (i, f, g, o) must make the comparison fail."""
    rng = np.random.RandomState(0)
    x, h0 = rng.randn(2, 3, 4), rng.randn(2, 5)
    params = make_params("lstm", 4, 5, rng)
    h, _, _ = lstm_forward(x, h0, *[lstm_to_torch_order(p) for p in params])
    h_ref, _ = run_torch("lstm", x, h0, params, np.ones_like(h))
    assert normwise_rel_error(h, h_ref) > 1e-3
