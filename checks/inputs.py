"""Deterministic test inputs: the same numbers on every machine and every NumPy version.

NumPy's legacy ``RandomState`` keeps its stream fixed across versions (the new ``Generator`` does
not promise that), so checks and reference values built from it never drift.
"""

import contextlib
import threading

import numpy as np

# Gate blocks per cell: the columns of Wx and Wh, and the biases, are GATE_BLOCKS[cell] * H wide.
GATE_BLOCKS = {"rnn": 1, "lstm": 4, "gru": 3}


# Added to every seed while grading hidden variants (see `fresh`): 0 for the published cases. Per
# thread: a grader computing one thread's variants must not shift another thread's inputs.
_local = threading.local()


def random_state(seed):
    """np.random.RandomState(seed), or a fresh stream inside `fresh(offset)`."""
    return np.random.RandomState((seed + getattr(_local, "offset", 0)) % 2**32)


@contextlib.contextmanager
def fresh(offset):
    """Inside, every case draws other random numbers (same shapes, scales and structure): the hidden
    variants a grader checks, so that an answer copied from the reference values does not pass."""
    saved, _local.offset = getattr(_local, "offset", 0), offset
    try:
        yield
    finally:
        _local.offset = saved


def array(seed, *shape, scale=1.0):
    """A float64 array of the given shape with N(0, scale**2) entries from a fixed seed."""
    return scale * random_state(seed).standard_normal(shape)


def rnn_params(D, H, seed=0, scale=0.5):
    """Vanilla RNN weights Wx (D, H), Wh (H, H), b (H,) from a fixed seed.

    Wh is far from symmetric (checks can tell Wh from Wh.T) and b is not small.
    """
    return {
        "Wx": array(seed + 1, D, H, scale=scale),
        "Wh": array(seed + 2, H, H, scale=scale),
        "b": array(seed + 3, H, scale=scale),
    }


def lstm_params(D, H, seed=0, scale=0.5):
    """LSTM weights Wx (D, 4H), Wh (H, 4H), b (4H,), gate blocks in the order i, f, o, g."""
    return {
        "Wx": array(seed + 1, D, 4 * H, scale=scale),
        "Wh": array(seed + 2, H, 4 * H, scale=scale),
        "b": array(seed + 3, 4 * H, scale=scale),
    }


def gru_params(D, H, seed=0, scale=0.5):
    """GRU weights Wx (D, 3H), Wh (H, 3H), bx (3H,), bh (3H,), gate blocks in the order r, z, n."""
    return {
        "Wx": array(seed + 1, D, 3 * H, scale=scale),
        "Wh": array(seed + 2, H, 3 * H, scale=scale),
        "bx": array(seed + 3, 3 * H, scale=scale),
        "bh": array(seed + 7, 3 * H, scale=scale),
    }


def gate_block(vector_or_matrix, gate, H):
    """A view of one gate's block of columns (the last axis), e.g. gate 1 = columns H:2H."""
    return vector_or_matrix[..., gate * H : (gate + 1) * H]
