"""The provided helpers: LSTM notation converters and global-norm clipping."""

import numpy as np
import pytest

from solutions.clipping import clip_by_global_norm
from solutions.lstm_notation import (
    concat_from_stacked,
    per_gate_from_stacked,
    stacked_from_concat,
    stacked_from_per_gate,
)
from solutions.rnn_layers import lstm_step_forward, sigmoid


def test_the_three_lstm_notations_give_the_same_step():
    rng = np.random.RandomState(0)
    N, D, H = 3, 4, 5
    x, h, c = rng.randn(N, D), rng.randn(N, H), rng.randn(N, H)
    W = {k: rng.randn(H, H + D) for k in "ifog"}
    b = {k: rng.randn(H) for k in "ifog"}
    # Notation 1, one column vector at a time, as textbooks write it.
    expected_h, expected_c = np.empty((N, H)), np.empty((N, H))
    for n in range(N):
        z = np.concatenate([h[n], x[n]])
        i, f, o = (sigmoid(W[k] @ z + b[k]) for k in "ifo")
        g = np.tanh(W["g"] @ z + b["g"])
        expected_c[n] = f * c[n] + i * g
        expected_h[n] = o * np.tanh(expected_c[n])
    stacked = stacked_from_concat(W, b)
    next_h, next_c, _ = lstm_step_forward(x, h, c, *stacked)
    np.testing.assert_allclose(next_h, expected_h, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(next_c, expected_c, rtol=1e-12, atol=1e-14)
    # Round trips through the other notations give the same arrays back.
    for a, b_ in zip(stacked_from_per_gate(per_gate_from_stacked(*stacked)), stacked, strict=True):
        assert np.array_equal(a, b_)
    W2, b2 = concat_from_stacked(*stacked)
    assert all(np.array_equal(W2[k], W[k]) and np.array_equal(b2[k], b[k]) for k in "ifog")


def test_a_swapped_gate_order_is_not_silently_accepted():
    rng = np.random.RandomState(1)
    W = {k: rng.randn(2, 5) for k in "ifog"}
    b = {k: rng.randn(2) for k in "ifog"}
    swapped = stacked_from_concat({**W, "i": W["f"], "f": W["i"]}, b)
    assert not np.array_equal(swapped[0], stacked_from_concat(W, b)[0])


def test_clipping_caps_the_global_norm_and_keeps_the_direction():
    grads = [np.array([3.0, 0.0]), np.array([[0.0, 4.0]])]  # global norm 5
    before = [g.copy() for g in grads]
    clipped, norm = clip_by_global_norm(grads, 1.0)
    assert norm == 5.0
    np.testing.assert_allclose(clipped[0], [0.6, 0.0])
    np.testing.assert_allclose(clipped[1], [[0.0, 0.8]])
    assert all(np.array_equal(g, b) for g, b in zip(grads, before, strict=True))  # inputs unchanged
    same, _ = clip_by_global_norm(grads, 10.0)
    assert all(np.array_equal(a, b) for a, b in zip(same, grads, strict=True))  # under the cap: untouched
    zero, norm0 = clip_by_global_norm([np.zeros(3)], 1.0)
    assert norm0 == 0.0 and np.array_equal(zero[0], np.zeros(3))
    with pytest.raises(ValueError, match="max_norm must be positive"):
        clip_by_global_norm(grads, 0.0)


def test_clipping_is_by_global_norm_not_per_element():
    clipped, _ = clip_by_global_norm([np.array([100.0, 1.0])], 1.0)
    assert clipped[0][1] < 0.02  # per-element clipping would have left the small entry at 1
