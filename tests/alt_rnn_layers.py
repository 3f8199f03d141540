"""An independent, correct implementation of the RNN exercises, written differently on purpose.

Per-example loops instead of batched products, einsum, another order of additions, a dict cache,
and tanh's derivative from the pre-activation. The student check must pass it: no false alarms.
"""

import numpy as np


def sigmoid(x):
    x = np.asarray(x, dtype=np.float64)
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    ex = np.exp(x[~pos])
    out[~pos] = ex / (1.0 + ex)
    return out


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    N = x.shape[0]
    a = np.empty((N, Wh.shape[0]))
    for n in range(N):  # one sequence at a time, bias first
        a[n] = b + np.einsum("h,hk->k", prev_h[n], Wh) + np.einsum("d,dk->k", x[n], Wx)
    return np.tanh(a), {"x": x, "prev_h": prev_h, "Wx": Wx, "Wh": Wh, "a": a}


def rnn_step_backward(dnext_h, cache):
    a = cache["a"]
    da = dnext_h / np.cosh(a) ** 2  # 1 - tanh(a)^2 = 1 / cosh(a)^2
    dx = np.einsum("nh,dh->nd", da, cache["Wx"])
    dprev_h = np.einsum("nk,hk->nh", da, cache["Wh"])
    dWx = np.zeros_like(cache["Wx"])
    dWh = np.zeros_like(cache["Wh"])
    for n in range(da.shape[0]):
        dWx += np.outer(cache["x"][n], da[n])
        dWh += np.outer(cache["prev_h"][n], da[n])
    db = np.einsum("nh->h", da)
    return dx, dprev_h, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    states, caches = [], []
    h = h0
    for x_t in np.moveaxis(x, 1, 0):
        h, c = rnn_step_forward(x_t, h, Wx, Wh, b)
        states.append(h)
        caches.append(c)
    return np.stack(states, axis=1), {"steps": caches}


def rnn_backward(dh, cache):
    steps = cache["steps"]
    grads_x = [None] * len(steps)
    dWx = np.zeros_like(steps[0]["Wx"])
    dWh = np.zeros_like(steps[0]["Wh"])
    db = np.zeros(dWh.shape[0])
    carried = np.zeros_like(dh[:, 0])
    for t in range(len(steps) - 1, -1, -1):
        grads_x[t], carried, gWx, gWh, gb = rnn_step_backward(carried + dh[:, t], steps[t])
        dWx, dWh, db = gWx + dWx, gWh + dWh, gb + db
    return np.stack(grads_x, axis=1), carried, dWx, dWh, db
