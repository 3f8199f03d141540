"""What the gated cells (LSTM, GRU) share in their checks: saturated gates and a per-gate comparison."""

import numpy as np

from .core import TOLERANCE, normwise_error
from .inputs import gate_block

SHUT, OPEN = -40.0, 40.0  # sigmoid(+-40) is 1 or 0 to within 5e-18: a pre-activation that fixes a gate


def wrong_gates(report, case, name, expected, n_gates, letters):
    """Letters of the gate blocks (last axis) of output `name` that differ from the reference."""
    actual = report.actual.get(case, {}).get(name)
    if actual is None or np.shape(actual) != expected.shape:
        return None
    H = expected.shape[-1] // n_gates
    return [
        letters[g]
        for g in range(n_gates)
        if normwise_error(gate_block(np.asarray(actual), g, H), gate_block(expected, g, H)) > TOLERANCE * 10
    ]
