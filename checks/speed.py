"""How fast a student's sequence layers are, against the matrix products they cannot avoid.

Wall-clock times depend on the machine, so the yardstick is measured on the same machine in the same run:
the "matmul floor", the time of exactly the matrix products a forward and backward pass over a sequence
need (the input projection of all steps at once, one recurrent product per step each way, and one
product each for dx, dWx and dWh). A good NumPy implementation spends little beyond that floor; the
course's reference solution takes about 1.3 to 2 times it (``make bench`` has the details).
"""

import statistics
import time

import numpy as np

GATES = {"rnn": 1, "lstm": 4, "gru": 3}
SHAPE = (32, 64, 64, 256)  # N, T, D, H: the character language model's shape
FAR_SLOWER = 3.0  # times the floor beyond which the check suggests what to look at

SLOW_HINT = (
    "Far slower than the matrix products it needs. The usual causes: the input projection done step by "
    "step (compute x @ Wx for all steps at once, before the loop), Python loops over the batch (let one "
    "matrix product handle all N rows), weight gradients summed step by step (collect each step's "
    "pre-activation gradient and take one product after the loop), or word lookups in a loop (W[x] "
    "indexes a whole batch at once)."
)


def problem(cell, dtype=np.float64, shape=SHAPE, seed=0):
    """Inputs of a sequence forward (x, h0, params) and an upstream gradient dh, from a fixed seed."""
    N, T, D, H = shape
    g = GATES[cell] * H
    rng = np.random.RandomState(seed)
    k = 1 / np.sqrt(H)

    def make(*s, scale=1.0):
        return (scale * rng.uniform(-1, 1, size=s)).astype(dtype)

    params = [make(D, g, scale=k), make(H, g, scale=k), make(g, scale=k)]
    if cell == "gru":
        params.append(make(g, scale=k))
    return make(N, T, D), make(N, H, scale=0.5), params, make(N, T, H)


def median_time(fn, repeats):
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def matmul_floor(cell, dtype=np.float64, shape=SHAPE, repeats=5):
    """Median time of the products every implementation of `cell` must do, at this machine's BLAS speed."""
    N, T, D, H = shape
    g = GATES[cell] * H
    rng = np.random.RandomState(1)

    def a(*s):
        return rng.standard_normal(s).astype(dtype)

    X, Wx, Wh, h, da, DA, Hs = a(N * T, D), a(D, g), a(H, g), a(N, H), a(N, g), a(N * T, g), a(N * T, H)

    def products():
        X @ Wx  # input projection, all steps at once
        for _ in range(T):
            h @ Wh  # recurrence, forward
            da @ Wh.T  # recurrence, backward
        DA @ Wx.T  # dx, all steps at once
        X.T @ DA  # dWx
        Hs.T @ DA  # dWh

    return median_time(products, repeats)


def layer_time(module, cell, dtype=np.float64, shape=SHAPE, repeats=5):
    """Median time of module's {cell}_forward followed by {cell}_backward over one sequence batch."""
    forward, backward = getattr(module, f"{cell}_forward"), getattr(module, f"{cell}_backward")
    x, h0, params, dh = problem(cell, dtype, shape)

    def run():
        _, cache = forward(x, h0, *params)
        backward(dh, cache)

    return median_time(run, repeats)


def verdict(cell, seconds, floor):
    """One line on a measured time against the floor, and a hint when it is far slower."""
    ratio = seconds / floor
    N, T, D, H = SHAPE
    line = (
        f"{cell}_forward + {cell}_backward (N={N}, T={T}, D={D}, H={H}, float64): {1e3 * seconds:.0f} ms, "
        f"{ratio:.1f}x the matrix products it needs (the reference solution: about 1.5x to 2x)."
    )
    return (line, SLOW_HINT) if ratio > FAR_SLOWER else (line, None)


def speed_report(module, cells):
    """(line, hint or None) for each cell, timed in this process on this machine."""
    return [verdict(cell, layer_time(module, cell), matmul_floor(cell)) for cell in cells]
