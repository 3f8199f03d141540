"""The solved layers against numeric gradients, at the edges of their shapes and inputs.

Tolerances: a centered difference with h = 1e-5 in float64 agrees with an exact gradient to about
1e-9 relative to the gradient's size; 1e-7 leaves a wide margin, while real mistakes are off by >1e-3.
"""

import warnings

import numpy as np
import pytest

from solutions.gradient_check import eval_numerical_gradient_array, normwise_rel_error, rel_error
from solutions.rnn_layers import (
    gru_backward,
    gru_forward,
    gru_step_backward,
    gru_step_forward,
    lstm_backward,
    lstm_forward,
    lstm_step_backward,
    lstm_step_forward,
    rnn_backward,
    rnn_forward,
    rnn_step_backward,
    rnn_step_forward,
    sigmoid,
)

GRAD_TOL = 1e-7
SHAPES = [(1, 1, 1, 1), (2, 3, 4, 5), (3, 7, 2, 4), (1, 50, 3, 2)]  # (N, T, D, H)


def params(D, H, seed):
    rng = np.random.RandomState(seed)
    return 0.5 * rng.randn(D, H), 0.5 * rng.randn(H, H), 0.5 * rng.randn(H)


def numeric_gradients(forward, args, upstream, outputs=(0,)):
    """Numeric gradient of sum(forward(*args)[k] * upstream[k]) for every argument."""
    grads = []
    for i in range(len(args)):
        total = 0.0
        for k, up in zip(outputs, upstream, strict=True):

            def f(v, i=i, k=k):
                a = list(args)
                a[i] = v
                return forward(*a)[k]

            total = total + eval_numerical_gradient_array(f, args[i].copy(), up)
        grads.append(total)
    return grads


@pytest.mark.parametrize("N, T, D, H", SHAPES)
def test_step_backward_matches_numeric_gradients(N, T, D, H):
    rng = np.random.RandomState(N * 100 + H)
    args = [rng.randn(N, D), rng.randn(N, H), *params(D, H, seed=H)]
    out, cache = rnn_step_forward(*args)
    dout = rng.randn(*out.shape)
    numeric = numeric_gradients(rnn_step_forward, args, [dout])
    for name, a, n in zip(
        "dx dprev_h dWx dWh db".split(), rnn_step_backward(dout, cache), numeric, strict=True
    ):
        assert normwise_rel_error(a, n) < GRAD_TOL, name


@pytest.mark.parametrize("N, T, D, H", SHAPES)
def test_sequence_backward_matches_numeric_gradients(N, T, D, H):
    rng = np.random.RandomState(T * 10 + D)
    args = [rng.randn(N, T, D), rng.randn(N, H), *params(D, H, seed=D)]
    h, cache = rnn_forward(*args)
    dh = rng.randn(*h.shape)
    numeric = numeric_gradients(rnn_forward, args, [dh])
    for name, a, n in zip("dx dh0 dWx dWh db".split(), rnn_backward(dh, cache), numeric, strict=True):
        assert normwise_rel_error(a, n) < GRAD_TOL, name


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
        np.testing.assert_allclose(h[:, t], prev, rtol=1e-13, atol=1e-15)  # products summed in another order
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
    # Tiny gate values keep their relative precision (0.5 + 0.5 * tanh(x / 2) would round them to 0).
    np.testing.assert_allclose(s[2], np.exp(-30.0) / (1 + np.exp(-30.0)), rtol=1e-14)
    assert sigmoid(0.0) == 0.5 and sigmoid(np.float32(-1e4)) == 0.0
    assert sigmoid(np.zeros(3, dtype=np.float32)).dtype == np.float32


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


# Gated cells: (forward, backward, parameter maker) for whole sequences.
def lstm_params(D, H, seed):
    rng = np.random.RandomState(seed)
    return [0.5 * rng.randn(D, 4 * H), 0.5 * rng.randn(H, 4 * H), 0.5 * rng.randn(4 * H)]


def gru_params(D, H, seed):
    rng = np.random.RandomState(seed)
    return [
        0.5 * rng.randn(D, 3 * H),
        0.5 * rng.randn(H, 3 * H),
        0.5 * rng.randn(3 * H),
        0.5 * rng.randn(3 * H),
    ]


SEQUENCE_CELLS = {
    "lstm": (lstm_forward, lstm_backward, lstm_params),
    "gru": (gru_forward, gru_backward, gru_params),
}


@pytest.mark.parametrize("cell", SEQUENCE_CELLS)
@pytest.mark.parametrize("N, T, D, H", SHAPES)
def test_gated_sequence_backward_matches_numeric_gradients(cell, N, T, D, H):
    forward, backward, make = SEQUENCE_CELLS[cell]
    rng = np.random.RandomState(N + 10 * T + 100 * H)
    args = [rng.randn(N, T, D), rng.randn(N, H), *make(D, H, seed=T)]
    h, *_, cache = forward(*args)  # the LSTM also returns its cell states
    dh = rng.randn(*h.shape)
    analytic = backward(dh, cache)
    for name, a, n in zip(
        "x h0 Wx Wh b1 b2".split(), analytic, numeric_gradients(forward, args, [dh]), strict=False
    ):
        assert normwise_rel_error(a, n) < GRAD_TOL, (cell, name)


@pytest.mark.parametrize("N, T, D, H", SHAPES)
def test_lstm_step_backward_matches_numeric_gradients_of_both_outputs(N, T, D, H):
    rng = np.random.RandomState(3 * N + H)
    args = [rng.randn(N, D), rng.randn(N, H), rng.randn(N, H), *lstm_params(D, H, seed=D)]
    next_h, next_c, cache = lstm_step_forward(*args)
    dnext_h, dnext_c = rng.randn(N, H), rng.randn(N, H)
    analytic = lstm_step_backward(dnext_h, dnext_c, cache)
    numeric = numeric_gradients(lstm_step_forward, args, [dnext_h, dnext_c], outputs=(0, 1))
    for name, a, n in zip("x prev_h prev_c Wx Wh b".split(), analytic, numeric, strict=True):
        assert normwise_rel_error(a, n) < GRAD_TOL, name


@pytest.mark.parametrize("N, T, D, H", SHAPES)
def test_gru_step_backward_matches_numeric_gradients(N, T, D, H):
    rng = np.random.RandomState(5 * N + H)
    args = [rng.randn(N, D), rng.randn(N, H), *gru_params(D, H, seed=D)]
    next_h, cache = gru_step_forward(*args)
    dnext_h = rng.randn(N, H)
    analytic = gru_step_backward(dnext_h, cache)
    numeric = numeric_gradients(gru_step_forward, args, [dnext_h])
    for name, a, n in zip("x prev_h Wx Wh bx bh".split(), analytic, numeric, strict=True):
        assert normwise_rel_error(a, n) < GRAD_TOL, name


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_gated_sequence_backward_is_the_sum_of_step_backwards(cell):
    rng = np.random.RandomState(11)
    N, T, D, H = 2, 5, 3, 4
    x, h0 = rng.randn(N, T, D), rng.randn(N, H)
    params = lstm_params(D, H, 1) if cell == "lstm" else gru_params(D, H, 1)
    forward, backward, _ = SEQUENCE_CELLS[cell]
    h, *_, cache = forward(x, h0, *params)
    dh = rng.randn(N, T, H)
    seq = backward(dh, cache)
    prev_h, prev_c, caches = h0, np.zeros_like(h0), []
    for t in range(T):
        if cell == "lstm":
            prev_h, prev_c, c = lstm_step_forward(x[:, t], prev_h, prev_c, *params)
        else:
            prev_h, c = gru_step_forward(x[:, t], prev_h, *params)
        caches.append(c)
        np.testing.assert_allclose(h[:, t], prev_h, rtol=1e-13, atol=1e-15)
    dprev_h, dprev_c, sums = np.zeros((N, H)), np.zeros((N, H)), None
    for t in reversed(range(T)):
        if cell == "lstm":
            dx_t, dprev_h, dprev_c, *dparams = lstm_step_backward(dh[:, t] + dprev_h, dprev_c, caches[t])
        else:
            dx_t, dprev_h, *dparams = gru_step_backward(dh[:, t] + dprev_h, caches[t])
        sums = dparams if sums is None else [a + b for a, b in zip(sums, dparams, strict=True)]
        np.testing.assert_allclose(seq[0][:, t], dx_t, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(seq[1], dprev_h, rtol=1e-12, atol=1e-14)
    for total, expected in zip(seq[2:], sums, strict=True):
        np.testing.assert_allclose(total, expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_every_cell_at_extreme_preactivations_is_finite_without_warnings(sign):
    rng = np.random.RandomState(4)
    N, T, D, H = 2, 3, 4, 5
    x = sign * 1e4 * np.abs(rng.randn(N, T, D))
    h0 = np.zeros((N, H))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for forward, backward, params in [
            (rnn_forward, rnn_backward, [np.ones((D, H)), np.ones((H, H)), np.zeros(H)]),
            (lstm_forward, lstm_backward, [np.ones((D, 4 * H)), np.ones((H, 4 * H)), np.zeros(4 * H)]),
            (
                gru_forward,
                gru_backward,
                [np.ones((D, 3 * H)), np.ones((H, 3 * H)), np.zeros(3 * H), np.zeros(3 * H)],
            ),
        ]:
            h, *_, cache = forward(x, h0, *params)
            grads = backward(np.ones_like(h), cache)
            assert np.all(np.isfinite(h)) and np.all(np.abs(h) <= 1), forward.__name__
            assert all(np.all(np.isfinite(g)) for g in grads), forward.__name__
