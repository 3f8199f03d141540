"""The attention layers (notebook 9) against numeric gradients and against the same formulas in PyTorch."""

import numpy as np
import pytest

from solutions.attention_layers import (
    attention_backward,
    attention_forward,
    attention_lstm_backward,
    attention_lstm_forward,
    attention_lstm_step_backward,
    attention_lstm_step_forward,
)
from solutions.gradient_check import eval_numerical_gradient_array, normwise_rel_error


def inputs(N=3, T=4, D=5, H=6, L=7, R=4, seed=0):
    rng = np.random.RandomState(seed)
    return {
        "x": rng.randn(N, T, D),
        "h0": rng.randn(N, H),
        "regions": rng.randn(N, L, R),
        "Wx": 0.4 * rng.randn(D, 4 * H),
        "Wh": 0.4 * rng.randn(H, 4 * H),
        "Wc": 0.4 * rng.randn(R, 4 * H),
        "b": 0.4 * rng.randn(4 * H),
        "Wa": rng.randn(H, R),
        "dh": rng.randn(N, T, H),
        "c": rng.randn(N, H),
    }


def numeric(f, args, name, dout):
    def of(value):
        return f(**{**args, name: value})

    return eval_numerical_gradient_array(of, args[name].copy(), dout)


def test_attention_weights_are_a_distribution_and_the_context_their_average():
    k = inputs()
    (context, weights), _ = attention_forward(k["h0"], k["regions"], k["Wa"])
    assert weights.shape == (3, 7) and np.allclose(weights.sum(axis=1), 1) and np.all(weights > 0)
    assert np.allclose(context, np.einsum("nl,nlr->nr", weights, k["regions"]))
    (_, large), _ = attention_forward(1e4 * k["h0"], k["regions"], k["Wa"])  # no overflow
    assert np.all(np.isfinite(large)) and np.allclose(large.sum(axis=1), 1)


def test_attention_backward_matches_numeric_gradients():
    k = inputs()
    args = {"h": k["h0"], "regions": k["regions"], "Wa": k["Wa"]}
    dcontext = np.random.RandomState(9).randn(3, 4)
    _, cache = attention_forward(**args)
    grads = dict(zip(["h", "regions", "Wa"], attention_backward(dcontext, cache), strict=True))

    def context(**a):
        return attention_forward(**a)[0][0]

    for name in args:
        assert normwise_rel_error(grads[name], numeric(context, args, name, dcontext)) < 1e-8, name


def test_attention_lstm_step_backward_matches_numeric_gradients():
    k = inputs()
    names = ["x", "prev_h", "prev_c", "regions", "Wx", "Wh", "Wc", "b", "Wa"]
    args = dict(
        zip(
            names,
            [k["x"][:, 0], k["h0"], k["c"], k["regions"], k["Wx"], k["Wh"], k["Wc"], k["b"], k["Wa"]],
            strict=True,
        )
    )
    rng = np.random.RandomState(11)
    dnext_h, dnext_c = rng.randn(3, 6), rng.randn(3, 6)
    next_h, next_c, _, cache = attention_lstm_step_forward(**args)
    grads = dict(zip(names, attention_lstm_step_backward(dnext_h, dnext_c, cache), strict=True))

    def both(**a):  # the loss sum(next_h * dnext_h) + sum(next_c * dnext_c), through one output
        h, c, _, _ = attention_lstm_step_forward(**a)
        return np.concatenate([h, c], axis=1)

    dout = np.concatenate([dnext_h, dnext_c], axis=1)
    for name in names:
        assert normwise_rel_error(grads[name], numeric(both, args, name, dout)) < 1e-8, name


def test_attention_lstm_backward_matches_numeric_gradients():
    k = inputs()
    names = ["x", "h0", "regions", "Wx", "Wh", "Wc", "b", "Wa"]
    args = {n: k[n] for n in names}
    h, weights, cache = attention_lstm_forward(**args)
    assert h.shape == (3, 4, 6) and weights.shape == (3, 4, 7)
    grads = dict(zip(names, attention_lstm_backward(k["dh"], cache), strict=True))
    for name in names:

        def hidden(**a):
            return attention_lstm_forward(**a)[0]

        assert normwise_rel_error(grads[name], numeric(hidden, args, name, k["dh"])) < 1e-8, name


torch = pytest.importorskip("torch", reason="torch is not installed; `make oracle-deps` installs it")


def torch_attention_lstm(x, h0, regions, Wx, Wh, Wc, b, Wa):
    """The same formulas written with torch operations, for autograd to differentiate."""
    H, R = h0.shape[1], regions.shape[2]
    h, c, hs, ws = h0, torch.zeros_like(h0), [], []
    for t in range(x.shape[1]):
        scores = torch.einsum("nlr,nr->nl", regions, h @ Wa) / R**0.5
        weights = torch.softmax(scores, dim=1)
        context = torch.einsum("nl,nlr->nr", weights, regions)
        a = x[:, t] @ Wx + h @ Wh + context @ Wc + b
        i, f, o = torch.sigmoid(a[:, :H]), torch.sigmoid(a[:, H : 2 * H]), torch.sigmoid(a[:, 2 * H : 3 * H])
        c = f * c + i * torch.tanh(a[:, 3 * H :])
        h = o * torch.tanh(c)
        hs.append(h)
        ws.append(weights)
    return torch.stack(hs, dim=1), torch.stack(ws, dim=1)


@pytest.mark.parametrize("sizes", [(1, 1, 1, 1, 1, 1), (3, 4, 5, 6, 7, 4), (8, 16, 10, 12, 16, 16)])
def test_the_attention_lstm_agrees_with_pytorch_autograd(sizes):
    N, T, D, H, L, R = sizes
    k = inputs(N, T, D, H, L, R, seed=sum(sizes))
    names = ["x", "h0", "regions", "Wx", "Wh", "Wc", "b", "Wa"]
    h, weights, cache = attention_lstm_forward(**{n: k[n] for n in names})
    ours = attention_lstm_backward(k["dh"], cache)
    tensors = {n: torch.from_numpy(k[n].copy()).requires_grad_() for n in names}
    th, tw = torch_attention_lstm(**tensors)
    (th * torch.from_numpy(k["dh"])).sum().backward()
    assert normwise_rel_error(h, th.detach().numpy()) < 1e-10
    assert normwise_rel_error(weights, tw.detach().numpy()) < 1e-10
    for name, grad in zip(names, ours, strict=True):
        assert normwise_rel_error(grad, tensors[name].grad.numpy()) < 1e-10, name


def test_float32_stays_float32_in_every_output():
    # The captioner trains in float32; one float64 scalar in the formulas made every step float64 and
    # twice as slow (NumPy 2 does not demote a NumPy float64 scalar to an array's float32).
    v = {name: value.astype(np.float32) for name, value in inputs().items()}
    x0, c0 = v["x"][:, 0], v["c"]
    weights = [v[name] for name in ("Wx", "Wh", "Wc", "b", "Wa")]
    (context, alpha), cache = attention_forward(v["h0"], v["regions"], v["Wa"])
    outputs = [context, alpha, *attention_backward(context, cache)]
    *step, cache = attention_lstm_step_forward(x0, v["h0"], c0, v["regions"], *weights)
    outputs += [*step, *attention_lstm_step_backward(step[0], step[1], cache)]
    *sequence, cache = attention_lstm_forward(v["x"], v["h0"], v["regions"], *weights)
    outputs += [*sequence, *attention_lstm_backward(v["dh"], cache)]
    assert [out.dtype for out in outputs] == [np.float32] * len(outputs)
