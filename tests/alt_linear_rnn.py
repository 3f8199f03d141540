"""An independent, correct implementation of the linear-recurrence exercises, written differently on purpose.

solutions/linear_rnn.py is the reference; this one reaches the same numbers another way, so that the
student checks are shown to accept other correct styles (no false alarms): linear_scan collects the
states in a list and stacks them; parallel_linear_scan is a work-efficient Blelloch scan (an up-sweep
and a down-sweep over a tree, the time axis padded to a power of two with identity steps) that gives
the exclusive prefix, with h0 folded in afterwards, instead of a Hillis-Steele doubling;
linear_scan_backward flips time with np.flip and runs that scan; the caches are dicts holding the
pre-activations; minGRU's 1 - z is sigmoid(-u); minLSTM's normalised gates are f' = sigmoid(softplus(-v)
- softplus(-u)) and i' = 1 - f', differentiated through that form; the weight gradients use einsum.
"""

import numpy as np

from .layers import Recurrent
from .rnn_layers import sigmoid


def linear_scan(a, b, h0):
    states = []
    state = h0
    for a_t, b_t in zip(np.moveaxis(a, 1, 0), np.moveaxis(b, 1, 0), strict=True):
        state = b_t + state * a_t
        states.append(state)
    return np.stack(states, axis=1).astype(np.result_type(a, b, h0), copy=False)


def _compose(first, then):
    """The affine step `first` followed by `then`: h -> a2 * (a1 * h + b1) + b2."""
    (a1, b1), (a2, b2) = first, then
    return a1 * a2, a2 * b1 + b2


def parallel_linear_scan(a, b, h0):
    dtype = np.result_type(a, b, h0)
    N, T, H = a.shape
    size = 1 << (T - 1).bit_length()  # the smallest power of two >= T
    # Padded copies; the padding steps are the identity map (a = 1, b = 0).
    A = np.ones((N, size, H), dtype=dtype)
    B = np.zeros((N, size, H), dtype=dtype)
    A[:, :T] = a
    B[:, :T] = b

    # Up-sweep: each node at the right end of a block of 2 * half steps becomes the whole block.
    half = 1
    while half < size:
        left, right = slice(half - 1, None, 2 * half), slice(2 * half - 1, None, 2 * half)
        A[:, right], B[:, right] = _compose((A[:, left], B[:, left]), (A[:, right], B[:, right]))
        half *= 2

    # Down-sweep: the root gets the identity; each right child gets what came before its parent
    # followed by its left sibling's block, each left child what came before its parent.
    A[:, -1], B[:, -1] = 1.0, 0.0
    while half > 1:
        half //= 2
        left, right = slice(half - 1, None, 2 * half), slice(2 * half - 1, None, 2 * half)
        before_a, before_b = A[:, right].copy(), B[:, right].copy()
        A[:, right], B[:, right] = _compose((before_a, before_b), (A[:, left], B[:, left]))
        A[:, left], B[:, left] = before_a, before_b

    # Now (A_t, B_t) composes steps 0..t-1, so A_t * h0 + B_t is h_{t-1}; one more step gives h_t.
    h_before = A[:, :T] * h0[:, None, :] + B[:, :T]
    return a * h_before + b


def linear_scan_backward(dh, a, h0, h):
    # Backwards in time, g_t = dh_t + a_{t+1} * g_{t+1}: a forward recurrence over flipped time,
    # where the flipped step s (time T-1-s) has coefficient a_{T-s}, none for s = 0.
    a_flipped = np.flip(a, axis=1)
    coeff = np.concatenate([np.zeros_like(a_flipped[:, :1]), a_flipped[:, :-1]], axis=1)
    g = np.flip(parallel_linear_scan(coeff, np.flip(dh, axis=1), np.zeros_like(h0)), axis=1)
    h_prev = np.concatenate([h0[:, None, :], h[:, :-1]], axis=1)
    return h_prev * g, g.copy(), g[:, 0] * a[:, 0]


def _weight_grads(dpre, cache):
    dx = np.einsum("ntk,dk->ntd", dpre, cache["Wx"])
    dWx = np.einsum("ntd,ntk->dk", cache["x"], dpre)
    db = np.einsum("ntk->k", dpre)
    return dx, dWx, db


def mingru_forward(x, h0, Wx, b):
    H = h0.shape[-1]
    gate_pre = np.einsum("ntd,dk->ntk", x, Wx[:, :H]) + b[:H]
    candidate = np.einsum("ntd,dk->ntk", x, Wx[:, H:]) + b[H:]
    z = sigmoid(gate_pre)
    keep = sigmoid(-gate_pre)  # 1 - z, without the cancellation when z is close to 1
    h = parallel_linear_scan(keep, z * candidate, h0)
    cache = {"x": x, "h0": h0, "Wx": Wx, "z": z, "keep": keep, "candidate": candidate, "h": h}
    return h, cache


def mingru_backward(dh, cache):
    z, keep, candidate = cache["z"], cache["keep"], cache["candidate"]
    d_keep, d_input, dh0 = linear_scan_backward(dh, keep, cache["h0"], cache["h"])
    # a = 1 - z and b = z * c: z reaches the loss through both.
    dz = d_input * candidate - d_keep
    dpre = np.concatenate([dz * z * keep, d_input * z], axis=-1)
    dx, dWx, db = _weight_grads(dpre, cache)
    return dx, dh0, dWx, db


def _softplus(x):
    return np.logaddexp(0.0, x)


def minlstm_forward(x, h0, Wx, b):
    u, v, candidate = np.split(x @ Wx + b, 3, axis=-1)
    # f / (f + i) = 1 / (1 + i / f), and log(i / f) = softplus(-u) - softplus(-v).
    f_norm = sigmoid(_softplus(-v) - _softplus(-u))
    i_norm = 1.0 - f_norm
    h = parallel_linear_scan(f_norm, i_norm * candidate, h0)
    cache = {
        "x": x, "h0": h0, "Wx": Wx, "u": u, "v": v, "f_norm": f_norm, "i_norm": i_norm,
        "candidate": candidate, "h": h,
    }  # fmt: skip
    return h, cache


def minlstm_backward(dh, cache):
    f_norm, i_norm, candidate = cache["f_norm"], cache["i_norm"], cache["candidate"]
    d_f_norm, d_input, dh0 = linear_scan_backward(dh, f_norm, cache["h0"], cache["h"])
    # h_t = f' h_{t-1} + (1 - f') c_t with f' = sigmoid(s), s = softplus(-v) - softplus(-u):
    # ds/du = sigmoid(-u) = 1 - f, ds/dv = -sigmoid(-v) = -(1 - i).
    ds = (d_f_norm - d_input * candidate) * f_norm * i_norm
    du = ds * sigmoid(-cache["u"])
    dv = -ds * sigmoid(-cache["v"])
    dpre = np.concatenate([du, dv, d_input * i_norm], axis=-1)
    dx, dWx, db = _weight_grads(dpre, cache)
    return dx, dh0, dWx, db


# The provided layer objects, as handed out (a student's file keeps them).
class MinGRU(Recurrent):
    gates = 2
    weight_names = ("Wx",)
    _forward, _backward = staticmethod(mingru_forward), staticmethod(mingru_backward)


class MinLSTM(Recurrent):
    gates = 3
    weight_names = ("Wx",)
    _forward, _backward = staticmethod(minlstm_forward), staticmethod(minlstm_backward)
