"""The maintainers' tuned sequence layers (tools/tuned_rnn_layers.py) compute what the reference computes."""

import warnings

import numpy as np
import pytest

from checks.inputs import GATE_BLOCKS as GATES
from solutions import rnn_layers as reference
from tools import tuned_rnn_layers as tuned
from tools.tuned_rnn_layers import sigmoid, ufuncs_row_by_row

PARAM_COUNT = {"rnn": 3, "lstm": 3, "gru": 4}


def problem(cell, N, T, D, H, dtype, seed=0):
    rng = np.random.RandomState(seed)
    G = GATES[cell] * H
    shapes = [(D, G), (H, G), (G,), (G,)][: PARAM_COUNT[cell]]
    params = [(0.5 * rng.randn(*s)).astype(dtype) for s in shapes]
    x, h0, dh = (rng.randn(*s).astype(dtype) for s in [(N, T, D), (N, H), (N, T, H)])
    return x, h0, params, dh


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (3, 7, 2, 4), (4, 5, 6, 3)])
def test_tuned_layers_match_the_reference(cell, shape, dtype):
    x, h0, params, dh = problem(cell, *shape, dtype)
    results = {}
    for name, module in [("reference", reference), ("tuned", tuned)]:
        forward, backward = getattr(module, f"{cell}_forward"), getattr(module, f"{cell}_backward")
        h, *_, cache = forward(x, h0, *params)
        results[name] = (h, *backward(dh, cache))
    tol = 1e-12 if dtype == np.float64 else 1e-5
    for ours, theirs in zip(results["tuned"], results["reference"], strict=True):
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs, rtol=tol, atol=tol)


def test_tuned_lstm_continues_from_c0_and_returns_c_like_the_reference():
    x, h0, params, dh = problem("lstm", 3, 4, 2, 5, np.float64)
    c0 = np.random.RandomState(3).randn(3, 5)
    h, c, _ = tuned.lstm_forward(x, h0, *params, c0=c0)
    h_ref, c_ref, _ = reference.lstm_forward(x, h0, *params, c0=c0)
    np.testing.assert_allclose(h, h_ref, rtol=1e-12)
    np.testing.assert_allclose(c, c_ref, rtol=1e-12)


def test_sigmoid_into_out_matches_the_plain_one_bit_for_bit():
    x = np.array([[-1e4, -745.0, -30.0, -1.0], [0.0, 1.0, 30.0, 1e4]])
    expected = sigmoid(x)
    out = np.full_like(x, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sigmoid(x, out=out) is out
    assert np.array_equal(out, expected) and np.array_equal(x[0], [-1e4, -745.0, -30.0, -1.0])
    block = np.tile(x, 2)[:, 2:6]  # a column block, the way the layers call it: in place
    sigmoid(block, out=block)
    assert np.array_equal(block, sigmoid(np.tile(x, 2)[:, 2:6]))


def test_ufuncs_row_by_row_restores_numpy_buffer_size_and_keeps_results():
    before = np.getbufsize()
    a = np.random.RandomState(0).randn(7, 300)
    plain = np.tanh(a[:, 100:200]) * a[:, :100] + 1.0
    with ufuncs_row_by_row():
        assert np.getbufsize() < 100  # smaller than a row of the blocks below
        assert np.array_equal(np.tanh(a[:, 100:200]) * a[:, :100] + 1.0, plain)
    assert np.getbufsize() == before
    with pytest.raises(KeyError), ufuncs_row_by_row():
        raise KeyError
    assert np.getbufsize() == before
