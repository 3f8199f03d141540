"""How fast a student's sequence layers are, against the matrix products they cannot avoid.

Wall-clock times depend on the machine, so the yardstick is measured on the same machine in the same run:
the "matmul floor", the time of exactly the matrix products a forward and backward pass over a sequence
need (the input projection of all steps at once, one recurrent product per step each way, and one
product each for dx, dWx and dWh). A good NumPy implementation spends little beyond that floor. What
the course's reference solution takes, as a multiple of it, is measured by the maintainers' benchmark
and stored in speed_reference.json; the line quotes it.

The layer and the floor are timed side by side several times; the line reports the fastest run of each
(the one least disturbed by other work) and says so when the repeats differ a lot, as on a busy machine.
"""

import json
import statistics
import time
from pathlib import Path

import numpy as np

from .inputs import GATE_BLOCKS

SHAPE = (32, 64, 64, 256)  # N, T, D, H: the character language model's shape
FAR_SLOWER = 3.0  # times the floor beyond which the check suggests what to look at
REFERENCE_FILE = Path(__file__).with_name("speed_reference.json")
BUSY_SPREAD = 1.4  # the slowest repeat's ratio over the best one's beyond which the machine was busy

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
    g = GATE_BLOCKS[cell] * H
    rng = np.random.RandomState(seed)
    k = 1 / np.sqrt(H)

    def make(*s, scale=1.0):
        return (scale * rng.uniform(-1, 1, size=s)).astype(dtype)

    params = [make(D, g, scale=k), make(H, g, scale=k), make(g, scale=k)]
    if cell == "gru":
        params.append(make(g, scale=k))
    return make(N, T, D), make(N, H, scale=0.5), params, make(N, T, H)


def floor_products(cell, dtype=np.float64, shape=SHAPE):
    """A function doing exactly the matrix products every implementation of `cell` must do, nothing else."""
    N, T, D, H = shape
    g = GATE_BLOCKS[cell] * H
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

    return products


def layer_run(module, cell, dtype=np.float64, shape=SHAPE):
    """A function running module's {cell}_forward followed by {cell}_backward over one sequence batch."""
    forward, backward = getattr(module, f"{cell}_forward"), getattr(module, f"{cell}_backward")
    x, h0, params, dh = problem(cell, dtype, shape)

    def run():
        *_, cache = forward(x, h0, *params)  # the LSTM also returns its cell states
        backward(dh, cache)

    return run


def paired_times(runs, repeats, lead_in=1):
    """Times of each function in `runs` (name: function), alternating them within every repeat.

    The machine's speed drifts (other work, memory traffic), so functions compared with each other are
    timed side by side: repeat k of every function ran within a second of the others. The order rotates
    from one repeat to the next, so no function always runs right after the same one, and each timed run
    follows `lead_in` untimed runs of the same function: switching costs (caches holding the other
    function's data, another library's threads still spinning) fall on those, so the timed run is one of
    a series, as in training. Returns {name: [seconds of repeat 0, 1, ...]}.
    """
    for run in runs.values():
        run()  # warm-up
    names = list(runs)
    times = {name: [] for name in names}
    for k in range(repeats):
        for name in names[k % len(names) :] + names[: k % len(names)]:
            for _ in range(lead_in):
                runs[name]()
            start = time.perf_counter()
            runs[name]()
            times[name].append(time.perf_counter() - start)
    return times


def median_ratio(times, reference):
    """Median over repeats of times[k] / reference[k]: a ratio from runs made side by side."""
    return statistics.median(t / r for t, r in zip(times, reference, strict=True))


def reference_ratio(cell, path=REFERENCE_FILE):
    """The reference solution's time for `cell` as a multiple of the floor, as measured; None if unknown."""
    try:
        return float(json.loads(path.read_text(encoding="utf-8"))["ratio_to_floor"][cell])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def verdict(cell, seconds, floor, slowest_ratio=None, reference=None):
    """One line on a measured time against the floor, and a hint when it is far slower.

    `slowest_ratio`, the ratio of the slowest repeat, is mentioned when it is far from the best one;
    `reference` (default: the measured one) is the reference solution's ratio at the same shape.
    """
    ratio = seconds / floor
    reference = reference_ratio(cell) if reference is None else reference
    N, T, D, H = SHAPE
    layers = f"{cell}_forward + {cell}_backward (N={N}, T={T}, D={D}, H={H}, float64)"
    if slowest_ratio is not None and slowest_ratio > BUSY_SPREAD * ratio:
        # One number from a busy machine would mislead (below the reference's own, it reads as faster)
        return (
            f"{layers}: not timed, the machine was busy: the repeats ranged from {ratio:.1f}x to "
            f"{slowest_ratio:.1f}x the matrix products it needs; time it again when the machine is quiet.",
            None,
        )
    line = f"{layers}: {1e3 * seconds:.0f} ms, {ratio:.1f}x the matrix products it needs"
    line += f" (the reference solution: {reference:.1f}x)." if reference else "."
    return (line, SLOW_HINT) if ratio > FAR_SLOWER else (line, None)


def measure(module, cell, repeats=5):
    """(seconds, floor seconds, slowest repeat's ratio) of module's `cell` layers, timed in this process.

    Each one's fastest run is its least disturbed, so the ratio shown is fastest over fastest (a ratio's
    own minimum would pick a repeat where only the floor was disturbed).
    """
    times = paired_times({"layer": layer_run(module, cell), "floor": floor_products(cell)}, repeats)
    ratios = [t / f for t, f in zip(times["layer"], times["floor"], strict=True)]
    return min(times["layer"]), min(times["floor"]), max(ratios)


def speed_report(module, cells, repeats=5):
    """(line, hint or None) for each cell, timed in this process on this machine against the floor."""
    report = []
    for cell in cells:
        seconds, floor, slowest = measure(module, cell, repeats)
        report.append(verdict(cell, seconds, floor, slowest_ratio=slowest))
    return report
