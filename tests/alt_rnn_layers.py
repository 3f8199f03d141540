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


def _blocks(w, k):
    H = w.shape[-1] // k
    return [w[..., j * H : (j + 1) * H] for j in range(k)]


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    # One product per gate, and the pre-activations kept instead of the gate values.
    pre = [
        xw + hw + bb
        for xw, hw, bb in zip(_blocks(x @ Wx, 4), _blocks(prev_h @ Wh, 4), _blocks(b, 4), strict=True)
    ]
    i, f, o = (sigmoid(p) for p in pre[:3])
    g = np.tanh(pre[3])
    next_c = i * g + prev_c * f
    next_h = np.tanh(next_c) * o
    return (
        next_h,
        next_c,
        {"x": x, "h": prev_h, "c": prev_c, "Wx": Wx, "Wh": Wh, "pre": pre, "next_c": next_c},
    )


def lstm_step_backward(dnext_h, dnext_c, cache):
    i, f, o = (sigmoid(p) for p in cache["pre"][:3])
    g = np.tanh(cache["pre"][3])
    t = np.tanh(cache["next_c"])
    dc = dnext_h * o / np.cosh(cache["next_c"]) ** 2 + dnext_c
    grads = [
        dc * g * i * (1 - i),
        dc * cache["c"] * f * (1 - f),
        dnext_h * t * o * (1 - o),
        dc * i / np.cosh(cache["pre"][3]) ** 2,
    ]
    da = np.hstack(grads)
    return (
        np.einsum("ng,dg->nd", da, cache["Wx"]),
        np.einsum("ng,hg->nh", da, cache["Wh"]),
        f * dc,
        np.einsum("nd,ng->dg", cache["x"], da),
        np.einsum("nh,ng->hg", cache["h"], da),
        np.einsum("ng->g", da),
    )


def lstm_forward(x, h0, Wx, Wh, b, c0=None):
    h, c, states, cells, caches = h0, np.zeros(h0.shape) if c0 is None else c0 + 0.0, [], [], []
    for t in range(x.shape[1]):
        h, c, step = lstm_step_forward(x[:, t], h, c, Wx, Wh, b)
        states.append(h)
        cells.append(c)
        caches.append(step)
    return np.stack(states, axis=1), np.stack(cells, axis=1), {"steps": caches}


def lstm_backward(dh, cache):
    steps = cache["steps"]
    dxs, total = [], None
    carried_h, carried_c = np.zeros_like(dh[:, 0]), np.zeros_like(dh[:, 0])
    for t in range(len(steps) - 1, -1, -1):
        dx_t, carried_h, carried_c, *dparams = lstm_step_backward(carried_h + dh[:, t], carried_c, steps[t])
        dxs.insert(0, dx_t)
        total = dparams if total is None else [p + q for p, q in zip(dparams, total, strict=True)]
    return (np.stack(dxs, axis=1), carried_h, *total)


def gru_step_forward(x, prev_h, Wx, Wh, bx, bh):
    xr, xz, xn = _blocks(x @ Wx + bx, 3)
    hr, hz, hn = _blocks(prev_h @ Wh + bh, 3)
    r, z = sigmoid(xr + hr), sigmoid(xz + hz)
    n = np.tanh(xn + r * hn)
    next_h = n + z * (prev_h - n)  # = (1 - z) * n + z * prev_h
    return next_h, {"x": x, "h": prev_h, "Wx": Wx, "Wh": Wh, "r": r, "z": z, "n": n, "hn": hn}


def gru_step_backward(dnext_h, cache):
    r, z, n, hn, h = cache["r"], cache["z"], cache["n"], cache["hn"], cache["h"]
    dan = dnext_h * (1 - z) * (1 - n * n)
    daz = dnext_h * (h - n) * z * (1 - z)
    dar = dan * hn * r * (1 - r)
    dgx = np.hstack([dar, daz, dan])
    dgh = np.hstack([dar, daz, r * dan])
    dWx = sum(np.outer(cache["x"][k], dgx[k]) for k in range(dgx.shape[0]))
    dWh = sum(np.outer(h[k], dgh[k]) for k in range(dgh.shape[0]))
    return dgx @ cache["Wx"].T, dgh @ cache["Wh"].T + z * dnext_h, dWx, dWh, dgx.sum(0), dgh.sum(0)


def gru_forward(x, h0, Wx, Wh, bx, bh):
    h, states, caches = h0, [], []
    for t in range(x.shape[1]):
        h, step = gru_step_forward(x[:, t], h, Wx, Wh, bx, bh)
        states.append(h)
        caches.append(step)
    return np.stack(states, axis=1), caches


def gru_backward(dh, cache):
    dxs, total, carried = [None] * len(cache), None, 0 * dh[:, 0]
    for t in reversed(range(len(cache))):
        dxs[t], carried, *dparams = gru_step_backward(dh[:, t] + carried, cache[t])
        total = dparams if total is None else [p + q for p, q in zip(total, dparams, strict=True)]
    return (np.stack(dxs, axis=1), carried, *total)


def word_embedding_forward(x, W):
    out = np.stack([np.stack([W[int(v)] for v in row]) for row in x])
    return out, {"x": np.array(x), "V": W.shape[0]}


def word_embedding_backward(dout, cache):
    one_hot = np.eye(cache["V"])[cache["x"].ravel()]  # (N*T, V)
    return one_hot.T @ dout.reshape(-1, dout.shape[-1])


def temporal_affine_forward(x, w, b):
    return np.einsum("ntd,dm->ntm", x, w) + b, (x, w)


def temporal_affine_backward(dout, cache):
    x, w = cache
    return np.einsum("ntm,dm->ntd", dout, w), np.einsum("ntd,ntm->dm", x, dout), dout.sum(axis=(0, 1))


def temporal_softmax_loss(x, y, mask):
    N, T, V = x.shape
    loss, dx = 0.0, np.zeros_like(x)
    for t in range(T):
        scores = x[:, t]
        top = scores.max(axis=1, keepdims=True)
        logsumexp = top[:, 0] + np.log(np.exp(scores - top).sum(axis=1))
        probs = np.exp(scores - logsumexp[:, None])
        for n in range(N):
            if mask[n, t]:
                loss += logsumexp[n] - scores[n, y[n, t]]
                dx[n, t] = probs[n]
                dx[n, t, y[n, t]] -= 1.0
    return loss / N, dx / N
