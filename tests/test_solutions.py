"""The solved layers against numeric gradients, at the edges of their shapes and inputs.

Tolerances: a centered difference with h = 1e-5 in float64 agrees with an exact gradient to about
1e-9 relative to the gradient's size; 1e-7 leaves a wide margin, while real mistakes are off by >1e-3.
"""

import warnings

import numpy as np
import pytest

from solutions.gradient_check import eval_numerical_gradient_array, normwise_rel_error, rel_error
from solutions.rnn_layers import rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward, sigmoid

GRAD_TOL = 1e-7
SHAPES = [(1, 1, 1, 1), (2, 3, 4, 5), (3, 7, 2, 4), (1, 50, 3, 2)]  # (N, T, D, H)


def params(D, H, seed):
    rng = np.random.RandomState(seed)
    return 0.5 * rng.randn(D, H), 0.5 * rng.randn(H, H), 0.5 * rng.randn(H)


@pytest.mark.parametrize("N, T, D, H", SHAPES)
def test_step_backward_matches_numeric_gradients(N, T, D, H):
    rng = np.random.RandomState(N * 100 + H)
    x, prev_h = rng.randn(N, D), rng.randn(N, H)
    Wx, Wh, b = params(D, H, seed=H)
    out, cache = rnn_step_forward(x, prev_h, Wx, Wh, b)
    dout = rng.randn(*out.shape)
    grads = rnn_step_backward(dout, cache)
    args = [x, prev_h, Wx, Wh, b]
    for i, name in enumerate(["dx", "dprev_h", "dWx", "dWh", "db"]):

        def f(v, i=i):
            a = list(args)
            a[i] = v
            return rnn_step_forward(*a)[0]

        numeric = eval_numerical_gradient_array(f, args[i].copy(), dout)
        assert normwise_rel_error(grads[i], numeric) < GRAD_TOL, name


@pytest.mark.parametrize("N, T, D, H", SHAPES)
def test_sequence_backward_matches_numeric_gradients(N, T, D, H):
    rng = np.random.RandomState(T * 10 + D)
    x, h0 = rng.randn(N, T, D), rng.randn(N, H)
    Wx, Wh, b = params(D, H, seed=D)
    h, cache = rnn_forward(x, h0, Wx, Wh, b)
    dh = rng.randn(*h.shape)
    grads = rnn_backward(dh, cache)
    args = [x, h0, Wx, Wh, b]
    for i, name in enumerate(["dx", "dh0", "dWx", "dWh", "db"]):

        def f(v, i=i):
            a = list(args)
            a[i] = v
            return rnn_forward(*a)[0]

        numeric = eval_numerical_gradient_array(f, args[i].copy(), dh)
        assert normwise_rel_error(grads[i], numeric) < GRAD_TOL, name


def test_sequence_is_the_step_applied_in_a_loop_and_backward_the_sum_of_step_backwards():
    rng = np.random.RandomState(7)
    N, T, D, H = 3, 6, 4, 5
    x, h0 = rng.randn(N, T, D), rng.randn(N, H)
    Wx, Wh, b = params(D, H, seed=3)
    dh = rng.randn(N, T, H)
    h, cache = rnn_forward(x, h0, Wx, Wh, b)
    prev, caches = h0, []
    for t in range(T):
        prev, c = rnn_step_forward(x[:, t], prev, Wx, Wh, b)
        caches.append(c)
        assert np.array_equal(h[:, t], prev)
    dx, dh0, dWx, dWh, db = rnn_backward(dh, cache)
    carried, sums = np.zeros((N, H)), [0.0, 0.0, 0.0]
    for t in reversed(range(T)):
        dx_t, carried, *dparams = rnn_step_backward(dh[:, t] + carried, caches[t])
        sums = [s + d for s, d in zip(sums, dparams, strict=True)]
        np.testing.assert_allclose(dx[:, t], dx_t, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(dh0, carried, rtol=1e-12, atol=1e-14)
    for total, expected in zip((dWx, dWh, db), sums, strict=True):
        np.testing.assert_allclose(total, expected, rtol=1e-12, atol=1e-14)


def test_backward_never_changes_what_it_is_given():
    rng = np.random.RandomState(1)
    x, h0 = rng.randn(2, 4, 3), rng.randn(2, 5)
    Wx, Wh, b = params(3, 5, seed=1)
    before = [a.copy() for a in (x, h0, Wx, Wh, b)]
    h, cache = rnn_forward(x, h0, Wx, Wh, b)
    dh = rng.randn(*h.shape)
    dh_before = dh.copy()
    first = rnn_backward(dh, cache)
    second = rnn_backward(dh, cache)
    assert np.array_equal(dh, dh_before)
    for a, b_ in zip((x, h0, Wx, Wh, b), before, strict=True):
        assert np.array_equal(a, b_)
    for g1, g2 in zip(first, second, strict=True):
        assert np.array_equal(g1, g2)


def test_sigmoid_is_stable_and_exact_at_extremes():
    x = np.array([-1e4, -745.0, -30.0, -1.0, 0.0, 1.0, 30.0, 745.0, 1e4])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow warning fails the test
        s = sigmoid(x)
    assert np.all(np.isfinite(s)) and np.all((s >= 0) & (s <= 1))
    assert s[4] == 0.5 and s[0] == 0.0 and s[-1] == 1.0
    np.testing.assert_allclose(s[1:-1] + sigmoid(-x[1:-1]), 1.0, rtol=1e-15)
    np.testing.assert_allclose(s[3], 1 / (1 + np.exp(1.0)), rtol=1e-15)


def test_cells_at_extreme_preactivations_stay_finite_without_warnings():
    rng = np.random.RandomState(2)
    x = 1e4 * rng.randn(3, 4)
    Wx, Wh, b = params(4, 5, seed=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        h, cache = rnn_step_forward(x, np.zeros((3, 5)), Wx, Wh, b)
        grads = rnn_step_backward(np.ones_like(h), cache)
    assert np.all(np.abs(h) <= 1) and all(np.all(np.isfinite(g)) for g in grads)


def test_the_error_measures():
    assert rel_error(np.array([1.0]), np.array([1.0])) == 0.0
    assert rel_error(np.array([1.0, 0.0]), np.array([1.0, 1e-12])) > 1e-5  # element-wise: fragile near 0
    assert normwise_rel_error(np.array([1.0, 0.0]), np.array([1.0, 1e-12])) < 1e-11
    assert normwise_rel_error(np.array([2.0]), np.array([1.0])) == 1.0


def test_layers_name_the_argument_whose_shape_is_wrong():
    x, prev_h, Wx, b = np.zeros((3, 4)), np.zeros((3, 5)), np.zeros((4, 5)), np.zeros(5)
    with pytest.raises(ValueError, match=r"rnn_step_forward: Wh should have shape \(H, H\) with H = 5"):
        rnn_step_forward(x, prev_h, Wx, np.zeros((4, 5)), b)
    with pytest.raises(
        ValueError, match=r"rnn_forward: x should have 3 axes \(N, T, D\), got shape \(3, 4\)"
    ):
        rnn_forward(x, prev_h, Wx, np.zeros((5, 5)), b)
    with pytest.raises(ValueError, match=r"b should have 1 axis \(H,\), got shape \(1, 5\)"):
        rnn_step_forward(x, prev_h, Wx, np.zeros((5, 5)), b[None])
