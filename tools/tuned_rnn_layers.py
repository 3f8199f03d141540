"""The sequence layers tuned for speed: how far plain NumPy goes (maintainers only; `make bench` times it).

The answer key, `solutions/rnn_layers.py`, is written to be read: the formulas in the order the notebooks
teach them, plus the two speed ideas the course teaches (the input projection of all steps in one
product; the weight gradients as one product after the backward loop). This module adds the tricks that
exist only for the last few percent, measured in docs/benchmarks.md: time-major whole-sequence buffers
(step t's block is contiguous), activations written in place into gate blocks, the bias added in place,
and NumPy's ufunc buffer shrunk so that column blocks are processed row by row. It is never shipped to
students and never used by the course; tests/test_solutions.py checks it against the reference.
"""

import contextlib

import numpy as np


def sigmoid(x, out=None):
    """Logistic sigmoid, exact to float rounding for any input (no overflow warning at +-1e4).

    Inputs:
    - x: array of any shape.
    - out: optional array of x's shape to write the result into; x itself is allowed.

    Returns an array of the same shape (out, if given), 1 / (1 + exp(-x)).
    """
    # For x < -709, exp(-x) overflows to inf and 1 / (1 + inf) = 0, the right answer to float
    # precision, so the overflow is harmless and its warning is silenced. This costs three passes over
    # x; a two-branch version (np.where on the sign) is several times slower and no more exact.
    with np.errstate(over="ignore"):
        if out is None:
            return 1.0 / (1.0 + np.exp(-x))
        # The same steps written into out, so that no new arrays are made (the sequence layers use this).
        np.negative(x, out=out)
        np.exp(out, out=out)
        out += 1.0
        return np.divide(1.0, out, out=out)


@contextlib.contextmanager
def ufuncs_row_by_row():
    """Inside this block, NumPy's elementwise functions work on column blocks such as a[:, H:2H] row by row.

    A gate's columns of a (N, 4H) array are not one contiguous block. NumPy runs an elementwise
    function on such an operand by copying it, 8192 elements at a time, into a buffer, unless a buffer
    holds less than a row. For a cell's cheap arithmetic the copying costs more than the arithmetic:
    an add on a (100, 512) gate block takes 35 us with it and 22 us without. With a small buffer
    NumPy works on each row where it lies. Results do not change, only the time; the buffer size is
    restored on leaving.
    """
    with np.errstate():  # np.errstate also restores the buffer size when it exits
        np.setbufsize(64)
        yield


def rnn_forward(x, h0, Wx, Wh, b):
    """rnn_forward of solutions.rnn_layers, tuned (same arguments, results and cache contract)."""
    N, T, D = x.shape
    H = h0.shape[1]
    dtype = np.result_type(x, h0, Wx, Wh, b)
    # Speed: the input part of every step's pre-activation as one (N*T, D) @ (D, H) product rather
    # than T thin ones; only prev_h @ Wh has to wait for the previous step. The array is time-major,
    # (T, N, H), so that step t's slice is one contiguous block, and each step turns its slice into its
    # hidden state in place: no per-step arrays to allocate, and h is filled as the loop goes.
    h_tnh = (x.swapaxes(0, 1).reshape(T * N, D) @ Wx + b).reshape(T, N, H).astype(dtype, copy=False)
    step_caches = []
    prev_h = h0
    for t in range(T):
        next_h = h_tnh[t]
        next_h += prev_h @ Wh
        np.tanh(next_h, out=next_h)
        step_caches.append((x[:, t], prev_h, Wx, Wh, next_h))
        prev_h = next_h
    h = h_tnh.swapaxes(0, 1)  # (N, T, H), a view: the cache shares its memory, so do not change h in place
    cache = step_caches
    return h, cache


def rnn_backward(dh, cache):
    """rnn_backward of solutions.rnn_layers, tuned (same arguments, results and cache contract)."""
    N, T, H = dh.shape
    step_caches = cache
    Wx, Wh = step_caches[0][2], step_caches[0][3]
    # Speed: the loop computes only what must be sequential, the pre-activation gradients da of every
    # step (time-major, so that each step's block is contiguous). dx and the weight gradients, sums
    # over steps of products with da, are then one product each.
    da_all = np.empty((T, N, H), dtype=dh.dtype)
    dprev_h = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        next_h = step_caches[t][4]
        da = da_all[t]
        np.add(dh[:, t], dprev_h, out=da)
        da *= 1.0 - next_h**2
        dprev_h = da @ Wh.T
    dh0 = dprev_h
    # sum_t x_t.T @ da_t is X.T @ DA with the steps stacked as rows, in the same (time-major) order;
    # np.stack copies, a small price next to the products.
    xs = np.stack([step[0] for step in step_caches]).reshape(T * N, -1)
    prev_hs = np.stack([step[1] for step in step_caches]).reshape(T * N, H)
    DA = da_all.reshape(T * N, H)
    dx = (DA @ Wx.T).reshape(T, N, -1).swapaxes(0, 1)
    dWx = xs.T @ DA
    dWh = prev_hs.T @ DA
    db = DA.sum(axis=0)
    return dx, dh0, dWx, dWh, db


def lstm_forward(x, h0, Wx, Wh, b, c0=None):
    """lstm_forward of solutions.rnn_layers, tuned (same arguments, results and cache contract)."""
    N, T, D = x.shape
    H = h0.shape[1]
    dtype = np.result_type(x, h0, Wx, Wh, b)
    # Speed, as in rnn_forward: the input projection of all steps in one product, time-major. Step t
    # adds prev_h @ Wh to its slice and overwrites it with the activations, so the cache's i, f, o, g
    # are views of one array instead of four new ones per step; h, c and tanh(c) are filled likewise.
    # The bias is added in place: `... @ Wx + b` would make a second array this large, and fresh
    # memory costs page faults.
    gates = (x.swapaxes(0, 1).reshape(T * N, D) @ Wx).reshape(T, N, 4 * H).astype(dtype, copy=False)
    gates += b
    h_tnh, c_tnh, tanh_c = np.empty((3, T, N, H), dtype=dtype)
    prev_h, prev_c = h0, (np.zeros_like(h0) if c0 is None else c0)
    step_caches = []
    with ufuncs_row_by_row():
        for t in range(T):
            a = gates[t]
            a += prev_h @ Wh
            sigmoid(a[:, : 3 * H], out=a[:, : 3 * H])  # the three sigmoid gates in one call
            np.tanh(a[:, 3 * H :], out=a[:, 3 * H :])
            i, f, o, g = a[:, :H], a[:, H : 2 * H], a[:, 2 * H : 3 * H], a[:, 3 * H :]
            np.multiply(f, prev_c, out=c_tnh[t])
            c_tnh[t] += i * g
            np.tanh(c_tnh[t], out=tanh_c[t])
            np.multiply(o, tanh_c[t], out=h_tnh[t])
            step_caches.append((x[:, t], prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c[t]))
            prev_h, prev_c = h_tnh[t], c_tnh[t]
    # (N, T, H) views: the cache shares their memory, so do not change h or c in place.
    h, c = h_tnh.swapaxes(0, 1), c_tnh.swapaxes(0, 1)
    return h, c, step_caches


def lstm_backward(dh, cache):
    """lstm_backward of solutions.rnn_layers, tuned (same arguments, results and cache contract)."""
    N, T, H = dh.shape
    step_caches = cache
    Wx, Wh = step_caches[0][3], step_caches[0][4]
    # Speed: as in rnn_backward, the loop only computes the gate gradients da of every step (the blocks
    # of da are column blocks: see ufuncs_row_by_row).
    da_all = np.empty((T, N, 4 * H), dtype=dh.dtype)
    dprev_h = np.zeros((N, H), dtype=dh.dtype)
    dprev_c = np.zeros((N, H), dtype=dh.dtype)
    with ufuncs_row_by_row():
        for t in reversed(range(T)):
            _, _, prev_c, _, _, i, f, o, g, tanh_c = step_caches[t]
            dnext_h = dh[:, t] + dprev_h
            dc = dprev_c + dnext_h * o * (1.0 - tanh_c**2)
            da = da_all[t]
            da[:, :H] = dc * g * i * (1.0 - i)
            da[:, H : 2 * H] = dc * prev_c * f * (1.0 - f)
            da[:, 2 * H : 3 * H] = dnext_h * tanh_c * o * (1.0 - o)
            da[:, 3 * H :] = dc * i * (1.0 - g**2)
            dprev_c = dc * f
            dprev_h = da @ Wh.T
    dh0 = dprev_h
    # One product each for what the step functions computed step by step, as in rnn_backward.
    xs = np.stack([step[0] for step in step_caches]).reshape(T * N, -1)
    prev_hs = np.stack([step[1] for step in step_caches]).reshape(T * N, H)
    DA = da_all.reshape(T * N, 4 * H)
    dx = (DA @ Wx.T).reshape(T, N, -1).swapaxes(0, 1)
    dWx = xs.T @ DA
    dWh = prev_hs.T @ DA
    db = DA.sum(axis=0)
    return dx, dh0, dWx, dWh, db


def gru_forward(x, h0, Wx, Wh, bx, bh):
    """gru_forward of solutions.rnn_layers, tuned (same arguments, results and cache contract)."""
    N, T, D = x.shape
    H = h0.shape[1]
    dtype = np.result_type(x, h0, Wx, Wh, bx, bh)
    # Speed, as in lstm_forward: the input part of all three gates for all steps in one product,
    # time-major, the bias added in place. Step t overwrites its r and z blocks with the gates and its
    # n block with the candidate, so the cache's r, z, n are views of one array; gh is one scratch
    # array for every step's prev_h @ Wh + bh.
    gates = (x.swapaxes(0, 1).reshape(T * N, D) @ Wx).reshape(T, N, 3 * H).astype(dtype, copy=False)
    gates += bx
    # One allocation for the two (and in gru_backward): in a fresh process, as `make check` times it,
    # separate arrays measured up to 10% slower, from the page faults of their fresh memory.
    gh_n_all, h_tnh = np.empty((2, T, N, H), dtype=dtype)
    gh = np.empty((N, 3 * H), dtype=dtype)
    prev_h = h0
    step_caches = []
    with ufuncs_row_by_row():
        for t in range(T):
            # gru_step_forward without x @ Wx; r and z in one sigmoid call.
            np.matmul(prev_h, Wh, out=gh)
            gh += bh
            rz = gates[t, :, : 2 * H]
            rz += gh[:, : 2 * H]
            sigmoid(rz, out=rz)
            r, z = rz[:, :H], rz[:, H:]
            gh_n = gh_n_all[t]
            gh_n[...] = gh[:, 2 * H :]  # backward needs it; gh itself is overwritten next step
            n = gates[t, :, 2 * H :]
            n += r * gh_n
            np.tanh(n, out=n)
            next_h = h_tnh[t]
            np.subtract(prev_h, n, out=next_h)  # (1 - z) * n + z * prev_h = n + z * (prev_h - n)
            next_h *= z
            next_h += n
            step_caches.append((x[:, t], prev_h, Wx, Wh, r, z, n, gh_n))
            prev_h = next_h
    h = h_tnh.swapaxes(0, 1)  # (N, T, H), a view: the cache shares its memory, so do not change h in place
    cache = step_caches
    return h, cache


def gru_backward(dh, cache):
    """gru_backward of solutions.rnn_layers, tuned (same arguments, results and cache contract)."""
    N, T, H = dh.shape
    step_caches = cache
    Wx, Wh = step_caches[0][2], step_caches[0][3]
    # Speed: as in lstm_backward, the loop only computes the pre-activation gradients of every step
    # (time-major); the input and hidden parts differ only in the n block, scaled by r for the hidden part.
    dgx_all, dgh_all = np.empty((2, T, N, 3 * H), dtype=dh.dtype)
    dprev_h = np.zeros((N, H), dtype=dh.dtype)
    with ufuncs_row_by_row():
        for t in reversed(range(T)):
            _, prev_h, _, _, r, z, n, gh_n = step_caches[t]
            dnext_h = dh[:, t] + dprev_h
            dgx, dgh = dgx_all[t], dgh_all[t]
            dan = dgx[:, 2 * H :] = dnext_h * (1.0 - z) * (1.0 - n**2)
            dgx[:, :H] = dan * gh_n * r * (1.0 - r)
            dgx[:, H : 2 * H] = dnext_h * (prev_h - n) * z * (1.0 - z)
            dgh[:, : 2 * H] = dgx[:, : 2 * H]
            dgh[:, 2 * H :] = dan * r
            dprev_h = dnext_h * z + dgh @ Wh.T
    dh0 = dprev_h
    # One product each for what the step functions computed step by step, as in rnn_backward.
    xs = np.stack([step[0] for step in step_caches]).reshape(T * N, -1)
    prev_hs = np.stack([step[1] for step in step_caches]).reshape(T * N, H)
    DGX = dgx_all.reshape(T * N, -1)
    dx = (DGX @ Wx.T).reshape(T, N, -1).swapaxes(0, 1)
    dWx = xs.T @ DGX
    dbx = DGX.sum(axis=0)
    DGH = dgh_all.reshape(T * N, -1)
    dWh = prev_hs.T @ DGH
    dbh = DGH.sum(axis=0)
    return dx, dh0, dWx, dWh, dbx, dbh
