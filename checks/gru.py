"""Checks for the GRU exercises (PyTorch's nn.GRU: gates r, z, n; r scales h @ Wh_n + bh_n).

Large input biases force the update gate shut (z = 1: the state is kept) or open (z = 0: the state
is replaced by n) and the reset gate shut (r = 0: n ignores the previous state), isolating one path
of the cell at a time.
"""

import numpy as np

from .core import Case, Exercise, call_backward, call_unchanged, unpack
from .gates import OPEN, SHUT, wrong_gates
from .inputs import array, gate_block, gru_params
from .sequences import backward_exercise, forward_exercise

GATES = "rzn"


def _step_inputs(N=3, D=4, H=5, seed=400, gates=None, bh=True, scale=1.0):
    k = gru_params(D, H, seed)
    k["x"] = array(seed + 4, N, D, scale=scale)
    k["prev_h"] = array(seed + 5, N, H, scale=0.8)
    for gate, value in (gates or {}).items():
        gate_block(k["bx"], GATES.index(gate), H)[:] = value
    if not bh:
        k["bh"] = np.zeros_like(k["bh"])
    k["dnext_h"] = array(seed + 6, N, H)
    return k


STEP_ARGS = ("x", "prev_h", "Wx", "Wh", "bx", "bh")


def _step_forward(module, k):
    args = [k[a] for a in STEP_ARGS]
    return unpack(call_unchanged(module.gru_step_forward, args, STEP_ARGS), 2, "next_h, cache")


def _run_step_forward(module, k):
    next_h, _ = _step_forward(module, k)
    return {"next_h": next_h}


ALL_ON = "all terms are on"
KEEP = "the update gate is shut (z = 1: next_h = prev_h)"
REPLACE = "the update gate is open (z = 0: next_h = n)"
RESET = "the reset gate is shut (r = 0: n ignores prev_h)"
NO_BH = "bh = 0"
LARGE = "the pre-activations are large (|a| up to ~1e4)"
TINY = "N = 1, D = 1, H = 1"


def _diagnose_step_forward(report, refs):
    if report.failed(KEEP) and report.failed(REPLACE):
        return (
            "next_h = (1 - z) * n + z * prev_h: with z = 1 the old state is kept. Are z and 1 - z "
            "swapped, or the gates taken in another order than r, z, n?"
        )
    if report.failed(KEEP):
        return (
            "With the update gate shut (z = 1) next_h must equal prev_h: next_h = (1 - z) * n + z * prev_h."
        )
    if report.failed(REPLACE) and not report.failed(NO_BH):
        return "bh_n belongs inside the reset: n = tanh(x @ Wx_n + bx_n + r * (prev_h @ Wh_n + bh_n))."
    if report.failed(RESET):
        return (
            "With the reset gate shut (r = 0) n = tanh(x @ Wx_n + bx_n): r multiplies only the hidden part."
        )
    if report.failed(REPLACE):
        return "With z = 0 next_h = n = tanh(x @ Wx_n + bx_n + r * (prev_h @ Wh_n + bh_n)): check n."
    if report.failed(LARGE) and len(report.bad) == 1:
        return "Wrong only for large inputs: use a stable sigmoid (the provided one) and np.tanh."
    return "Check the gates: r, z and n are the column blocks :H, H:2H and 2H: of both Wx and Wh."


gru_step_forward = Exercise(
    name="gru_step_forward",
    notebook="06_gru_and_gradient_flow",
    run=_run_step_forward,
    cases=[
        Case("keep", KEEP, lambda: _step_inputs(gates={"z": OPEN})),
        Case("replace", REPLACE, lambda: _step_inputs(gates={"z": SHUT})),
        Case("reset", RESET, lambda: _step_inputs(gates={"r": SHUT, "z": SHUT})),
        Case("no_bh", NO_BH, lambda: _step_inputs(bh=False, gates={"z": SHUT})),
        Case("all_on", ALL_ON, lambda: _step_inputs()),
        Case("large", LARGE, lambda: _step_inputs(scale=1e4)),
        Case("tiny", TINY, lambda: _step_inputs(N=1, D=1, H=1, seed=420)),
    ],
    diagnose=_diagnose_step_forward,
)

GRADS = ("dx", "dprev_h", "dWx", "dWh", "dbx", "dbh")


def _run_step_backward(module, k):
    next_h, cache = _step_forward(module, k)
    grads = call_backward(module.gru_step_backward, [k["dnext_h"], cache], ("dnext_h", "cache"), GRADS)
    return {"next_h": next_h, **grads}


SB_ALL = "all terms are on"
SB_RESET = "the reset gate is shut (r = 0)"
SB_ONE = "N = 1"


def _diagnose_step_backward(report, refs):
    bad = {out for outs in report.bad.values() for out in outs}
    if "next_h" in bad:
        return "The forward pass is wrong on these inputs: fix gru_step_forward first."
    ref = refs[SB_ALL]
    dwh = wrong_gates(report, SB_ALL, "dWh", ref["dWh"], 3, GATES) or []
    dwx = wrong_gates(report, SB_ALL, "dWx", ref["dWx"], 3, GATES) or []
    if dwh == ["n"] and not dwx:
        return (
            "Only the n block of dWh (and dbh) is wrong while dWx is right: the hidden part of n is "
            "scaled by the reset gate, so its gradient carries a factor r."
        )
    if bad == {"dprev_h"}:
        return "prev_h also reaches next_h directly, through z * prev_h: add dnext_h * z to dprev_h."
    if bad <= {"dbx", "dbh"}:
        return "dbx and dbh sum the input and hidden parts' gradients over the batch (axis 0)."
    if "z" in dwx:
        return "The z block is wrong: next_h = (1 - z) * n + z * prev_h, so dz = dnext_h * (prev_h - n)."
    return None


gru_step_backward = Exercise(
    name="gru_step_backward",
    notebook="06_gru_and_gradient_flow",
    run=_run_step_backward,
    cases=[
        Case("sb_all", SB_ALL, lambda: _step_inputs(seed=440)),
        Case("sb_reset", SB_RESET, lambda: _step_inputs(seed=450, gates={"r": SHUT})),
        Case("sb_one", SB_ONE, lambda: _step_inputs(N=1, seed=460)),
    ],
    diagnose=_diagnose_step_backward,
    needs=("gru_step_forward",),
)

SEQ_ARGS = ("x", "h0", "Wx", "Wh", "bx", "bh")

gru_forward = forward_exercise(
    "gru_forward",
    "06_gru_and_gradient_flow",
    step="gru_step_forward",
    params=gru_params,
    args=SEQ_ARGS,
    first_step_hint="The first step ignores h0: it is gru_step_forward(x[:, 0], h0, Wx, Wh, bx, bh).",
    seed=500,
)

gru_backward = backward_exercise(
    "gru_backward",
    "06_gru_and_gradient_flow",
    forward="gru_forward",
    step_backward="gru_step_backward",
    step_forward="gru_step_forward",
    params=gru_params,
    args=SEQ_ARGS,
    grads=("dx", "dh0", "dWx", "dWh", "dbx", "dbh"),
    carried="dh[:, t] plus the dprev_h that step t + 1 returned",
    seed=520,
)

EXERCISES = [gru_step_forward, gru_forward, gru_step_backward, gru_backward]
