"""Converters between the three ways LSTM weights are written (provided, not an exercise).

1. Concatenated, column vectors (Colah's blog and many textbooks): for each gate k in i, f, o, g,
   ``k = act(W_k @ [h; x] + b_k)`` with ``W_k`` of shape (H, H + D) acting on the stacked column
   [h; x] (h first), and ``b_k`` of shape (H,).
2. Per gate, row vectors (e.g. the d2l.ai book): ``k = act(x @ W_xk + h @ W_hk + b_k)`` with
   ``W_xk`` (D, H), ``W_hk`` (H, H), ``b_k`` (H,).
3. Stacked, row vectors (this course; PyTorch too, but in the gate order i, f, g, o):
   ``a = x @ Wx + h @ Wh + b`` with ``Wx`` (D, 4H), ``Wh`` (H, 4H), ``b`` (4H,), and the gates
   the column blocks of a in the order i, f, o, g.
"""

import numpy as np

GATES = ("i", "f", "o", "g")


def stacked_from_per_gate(per_gate):
    """Notation 2 -> 3. `per_gate` maps 'W_xi', 'W_hi', 'b_i', ... (every gate) to arrays.

    Returns (Wx (D, 4H), Wh (H, 4H), b (4H,)).
    """
    Wx = np.concatenate([per_gate[f"W_x{k}"] for k in GATES], axis=1)
    Wh = np.concatenate([per_gate[f"W_h{k}"] for k in GATES], axis=1)
    b = np.concatenate([per_gate[f"b_{k}"] for k in GATES])
    return Wx, Wh, b


def per_gate_from_stacked(Wx, Wh, b):
    """Notation 3 -> 2: the dict {'W_xi': (D, H), 'W_hi': (H, H), 'b_i': (H,), ...}."""
    H = Wh.shape[0]
    per_gate = {}
    for j, k in enumerate(GATES):
        block = slice(j * H, (j + 1) * H)
        per_gate[f"W_x{k}"], per_gate[f"W_h{k}"], per_gate[f"b_{k}"] = Wx[:, block], Wh[:, block], b[block]
    return per_gate


def stacked_from_concat(W, b):
    """Notation 1 -> 3. `W` maps each gate to its (H, H + D) matrix on [h; x], `b` to its (H,) bias.

    Returns (Wx (D, 4H), Wh (H, 4H), b (4H,)).
    """
    H = b["i"].shape[0]
    per_gate = {}
    for k in GATES:
        # Row vectors transpose the column-vector matrix; its first H columns act on h, the rest on x.
        per_gate[f"W_h{k}"] = W[k][:, :H].T
        per_gate[f"W_x{k}"] = W[k][:, H:].T
        per_gate[f"b_{k}"] = b[k]
    return stacked_from_per_gate(per_gate)


def concat_from_stacked(Wx, Wh, b):
    """Notation 3 -> 1: ({gate: (H, H + D)}, {gate: (H,)})."""
    per_gate = per_gate_from_stacked(Wx, Wh, b)
    W = {k: np.concatenate([per_gate[f"W_h{k}"].T, per_gate[f"W_x{k}"].T], axis=1) for k in GATES}
    return W, {k: per_gate[f"b_{k}"] for k in GATES}
