"""Numeric gradients and error measures for checking a backward pass (provided, not an exercise).

A centered difference (f(x + h) - f(x - h)) / 2h has an error of order h**2, so with h = 1e-5 in
float64 it agrees with an exact gradient to roughly 1e-9 relative; a wrong backward pass is usually
off by 1e-2 or more.
"""

import numpy as np


def rel_error(x, y):
    """Largest element-wise relative error between two arrays of the same shape.

    max(|x - y| / max(1e-8, |x| + |y|)); the 1e-8 floor keeps entries that are both ~0 from
    dividing by zero.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def normwise_rel_error(x, y):
    """max |x - y| / max |y|: the error relative to the size of the reference y as a whole.

    Unlike rel_error it does not blow up on single entries that are almost zero, where a numeric
    gradient is mostly rounding noise; it is what report_close uses.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    scale = np.max(np.abs(y)) if y.size else 0.0
    diff = np.max(np.abs(x - y)) if y.size else 0.0
    return float(diff / scale) if scale > 0 else float(diff)


def eval_numerical_gradient(f, x, verbose=False, h=1e-5):
    """Numeric gradient of a scalar function f at x by centered differences.

    Inputs:
    - f: function of one array argument returning a scalar.
    - x: float64 array of any shape; perturbed in place and restored, so it ends unchanged.
    - verbose: print every coordinate and its gradient.
    - h: step size.

    Returns an array shaped like x with df/dx.
    """
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    while not it.finished:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + h
        fxph = f(x)
        x[ix] = old - h
        fxmh = f(x)
        x[ix] = old
        grad[ix] = (fxph - fxmh) / (2 * h)
        if verbose:
            print(ix, grad[ix])
        it.iternext()
    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """Numeric gradient of sum(f(x) * df) with respect to x, for an array-valued f.

    This is what a backward pass computes when df is the upstream gradient of f's output.

    Inputs:
    - f: function of one array argument returning an array shaped like df.
    - x: float64 array of any shape; perturbed in place and restored, so it ends unchanged.
    - df: upstream gradient, shaped like f(x).
    - h: step size.

    Returns an array shaped like x.
    """
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    while not it.finished:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + h
        pos = f(x).copy()
        x[ix] = old - h
        neg = f(x).copy()
        x[ix] = old
        grad[ix] = np.sum((pos - neg) * df) / (2 * h)
        it.iternext()
    return grad


def report_close(name, actual, expected, tol):
    """Print a one-line verdict: does `actual` match `expected` to normwise_rel_error < tol?

    The verdict, not the raw error, is printed, so every correct implementation prints the same
    line on any machine. Returns nothing (a notebook cell would otherwise echo it).
    """
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    if actual.shape != expected.shape:
        print(f"{name}: WRONG SHAPE {actual.shape}, expected {expected.shape}")
        return
    err = normwise_rel_error(actual, expected)
    if err < tol:
        print(f"{name}: OK (relative error < {tol:.0e})")
    else:
        print(f"{name}: MISMATCH (relative error {err:.1e}, should be < {tol:.0e})")
