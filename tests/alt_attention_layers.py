"""Another correct way to write the attention exercises: loops over the batch, one concatenated product.

Used to show that the checks accept any correct implementation, not only the reference's way.
"""

import numpy as np


def _sigmoid(a):
    return 0.5 * (1.0 + np.tanh(0.5 * a))  # the same function, written without exp


def attention_forward(h, regions, Wa):
    N, L, R = regions.shape
    context, weights = np.zeros((N, R), regions.dtype), np.zeros((N, L), regions.dtype)
    for n in range(N):
        s = regions[n] @ (Wa.T @ h[n]) / R**0.5
        w = np.exp(s - s.max() - np.log(np.exp(s - s.max()).sum()))  # a log-sum-exp softmax
        weights[n], context[n] = w, w @ regions[n]
    return (context, weights), {"h": h, "regions": regions, "Wa": Wa, "weights": weights}


def attention_backward(dcontext, cache):
    h, regions, Wa, weights = cache["h"], cache["regions"], cache["Wa"], cache["weights"]
    N, L, R = regions.shape
    dh, dregions, dWa = np.zeros_like(h), np.zeros_like(regions), np.zeros_like(Wa)
    for n in range(N):
        w = weights[n]
        ds = (np.diag(w) - np.outer(w, w)) @ (regions[n] @ dcontext[n])  # the softmax's Jacobian
        q = Wa.T @ h[n]
        dq = regions[n].T @ ds / R**0.5
        dregions[n] = np.outer(w, dcontext[n]) + np.outer(ds, q) / R**0.5
        dh[n] = Wa @ dq
        dWa += np.outer(h[n], dq)
    return dh, dregions, dWa


def attention_lstm_step_forward(x, prev_h, prev_c, regions, Wx, Wh, Wc, b, Wa):
    H = prev_h.shape[1]
    (context, weights), attention = attention_forward(prev_h, regions, Wa)
    inputs = np.concatenate([x, prev_h, context], axis=1)
    a = inputs @ np.concatenate([Wx, Wh, Wc], axis=0) + b
    gates = _sigmoid(a[:, : 3 * H])
    g = np.tanh(a[:, 3 * H :])
    i, f, o = gates[:, :H], gates[:, H : 2 * H], gates[:, 2 * H :]
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    cache = {"inputs": inputs, "W": np.concatenate([Wx, Wh, Wc], axis=0), "sizes": (x.shape[1], H)}
    cache.update(prev_c=prev_c, i=i, f=f, o=o, g=g, next_c=next_c, attention=attention)
    return next_h, next_c, weights, cache


def attention_lstm_step_backward(dnext_h, dnext_c, cache):
    i, f, o, g, c = cache["i"], cache["f"], cache["o"], cache["g"], cache["next_c"]
    D, H = cache["sizes"]
    dc = dnext_c + dnext_h * o * (1 - np.tanh(c) ** 2)
    da = np.hstack(
        [dc * g * i * (1 - i), dc * cache["prev_c"] * f * (1 - f), dnext_h * np.tanh(c) * o * (1 - o)]
    )
    da = np.hstack([da, dc * i * (1 - g**2)])
    dinputs = da @ cache["W"].T
    dW = cache["inputs"].T @ da
    dx, dh_direct, dcontext = dinputs[:, :D], dinputs[:, D : D + H], dinputs[:, D + H :]
    dh_query, dregions, dWa = attention_backward(dcontext, cache["attention"])
    dWx, dWh, dWc = dW[:D], dW[D : D + H], dW[D + H :]
    return dx, dh_direct + dh_query, dc * f, dregions, dWx, dWh, dWc, da.sum(axis=0), dWa


def attention_lstm_forward(x, h0, regions, Wx, Wh, Wc, b, Wa):
    N, T, _ = x.shape
    h = np.zeros((N, T, h0.shape[1]), x.dtype)
    weights = np.zeros((N, T, regions.shape[1]), x.dtype)
    state, cell, caches = h0, np.zeros_like(h0), []
    for t in range(T):
        state, cell, weights[:, t], step = attention_lstm_step_forward(
            x[:, t], state, cell, regions, Wx, Wh, Wc, b, Wa
        )
        h[:, t] = state
        caches.append(step)
    return h, weights, caches


def attention_lstm_backward(dh, cache):
    N, T, H = dh.shape
    grads = None
    dx = []
    dstate, dcell = np.zeros((N, H)), np.zeros((N, H))
    for t in range(T - 1, -1, -1):
        step = attention_lstm_step_backward(dh[:, t] + dstate, dcell, cache[t])
        dx.insert(0, step[0])
        dstate, dcell = step[1], step[2]
        grads = list(step[3:]) if grads is None else [a + b for a, b in zip(grads, step[3:], strict=True)]
    return (np.stack(dx, axis=1), dstate, *grads)
