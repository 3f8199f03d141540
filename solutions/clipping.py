"""Global-norm gradient clipping (provided, not an exercise).

When gradients explode, one step of gradient descent can throw the weights far away. Clipping by
the global norm rescales all gradients together, so their direction is kept and only the step's
length is capped. (Clipping each element separately would change the direction.)
"""

import numpy as np


def clip_by_global_norm(grads, max_norm):
    """Rescale a list of gradient arrays so that their joint L2 norm is at most max_norm.

    Inputs:
    - grads: list of arrays of any shapes (not changed).
    - max_norm: positive float.

    Returns a tuple of:
    - clipped: list of new arrays, each the original times min(1, max_norm / total_norm).
    - total_norm: the joint norm sqrt(sum of every squared entry) before clipping.
    """
    if not max_norm > 0:
        raise ValueError(f"clip_by_global_norm: max_norm must be positive, got {max_norm}")
    total_norm = float(np.sqrt(sum(np.sum(np.square(g)) for g in grads)))
    scale = min(1.0, max_norm / total_norm) if total_norm > 0 else 1.0
    return [g * scale for g in grads], total_norm
