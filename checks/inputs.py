"""Deterministic test inputs: the same numbers on every machine and every NumPy version.

NumPy's legacy ``RandomState`` keeps its stream fixed across versions (the new ``Generator`` does
not promise that), so checks and reference values built from it never drift.
"""

import numpy as np


def array(seed, *shape, scale=1.0):
    """A float64 array of the given shape with N(0, scale**2) entries from a fixed seed."""
    return scale * np.random.RandomState(seed).standard_normal(shape)


def rnn_params(D, H, seed=0, scale=0.5):
    """Vanilla RNN weights Wx (D, H), Wh (H, H), b (H,) from a fixed seed.

    Wh is far from symmetric (checks can tell Wh from Wh.T) and b is not small.
    """
    return {
        "Wx": array(seed + 1, D, H, scale=scale),
        "Wh": array(seed + 2, H, H, scale=scale),
        "b": array(seed + 3, H, scale=scale),
    }
