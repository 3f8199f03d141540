"""Checks for the LSTM exercises.

Gates can be forced open or shut with large biases, which isolates one path of the cell at a time:
forget open and input shut must keep the cell state as it was; input open and forget shut must
replace it by g. Backward checks compare each gate's block of columns separately, so a failure can
name the gate.
"""

import numpy as np

from .core import Case, Exercise, call_backward, call_unchanged, unpack
from .gates import OPEN, SHUT, wrong_gates
from .inputs import array, gate_block, lstm_params
from .sequences import backward_exercise, forward_exercise, seq_inputs

GATES = "ifog"


def _step_inputs(N=3, D=4, H=5, seed=200, prev_c=True, gates=None, scale=1.0):
    k = lstm_params(D, H, seed)
    k["x"] = array(seed + 4, N, D, scale=scale)
    k["prev_h"] = array(seed + 5, N, H, scale=0.8)
    k["prev_c"] = array(seed + 8, N, H) if prev_c else np.zeros((N, H))
    for gate, value in (gates or {}).items():
        gate_block(k["b"], GATES.index(gate), H)[:] = value
    k["dnext_h"] = array(seed + 6, N, H)
    k["dnext_c"] = array(seed + 9, N, H)
    return k


STEP_ARGS = ("x", "prev_h", "prev_c", "Wx", "Wh", "b")


def _step_forward(module, k):
    args = [k[a] for a in STEP_ARGS]
    return unpack(call_unchanged(module.lstm_step_forward, args, STEP_ARGS), 3, "next_h, next_c, cache")


def _run_step_forward(module, k):
    next_h, next_c, _ = _step_forward(module, k)
    return {"next_h": next_h, "next_c": next_c}


ALL_ON = "all terms are on"
KEEP = "the forget gate is open and the input gate shut (next_c = prev_c)"
WRITE = "the input gate is open and the forget gate shut (next_c = g)"
SHOW = "the output gate is open (next_h = tanh(next_c))"
C_ZERO = "prev_c = 0"
LARGE = "the pre-activations are large (|a| up to ~1e4)"
TINY = "N = 1, D = 1, H = 1"


def _diagnose_step_forward(report, refs):
    bad = {out for outs in report.bad.values() for out in outs}
    if report.failed(KEEP, "next_c") and report.failed(WRITE, "next_c"):
        return (
            "Both gate tests of the cell state fail: are the blocks taken in the order i, f, o, g "
            "(i = a[:, :H], f = a[:, H:2H])? Swapping i and f is the usual slip."
        )
    if report.failed(KEEP, "next_c"):
        return "With the forget gate open and the input gate shut next_c must equal prev_c: f * prev_c."
    if report.failed(WRITE, "next_c"):
        return "With the input gate open and the forget gate shut next_c = g = tanh(a[:, 3H:])."
    if "next_c" not in bad:
        if report.failed(SHOW, "next_h"):
            return "With the output gate open next_h = tanh(next_c): is tanh applied to the cell state?"
        return "next_c is right but next_h is not: next_h = o * tanh(next_c), with o = sigmoid(a[:, 2H:3H])."
    if report.failed(LARGE) and len(report.bad) == 1:
        return "Wrong only for large inputs: use a stable sigmoid (the provided one) and np.tanh."
    return "next_c = f * prev_c + i * g, with the blocks of a = x @ Wx + prev_h @ Wh + b ordered i, f, o, g."


lstm_step_forward = Exercise(
    name="lstm_step_forward",
    notebook="02_lstm_cell",
    run=_run_step_forward,
    cases=[
        Case("keep", KEEP, lambda: _step_inputs(gates={"f": OPEN, "i": SHUT})),
        Case("write", WRITE, lambda: _step_inputs(gates={"f": SHUT, "i": OPEN})),
        Case("show", SHOW, lambda: _step_inputs(gates={"o": OPEN})),
        Case("c_zero", C_ZERO, lambda: _step_inputs(prev_c=False)),
        Case("all_on", ALL_ON, lambda: _step_inputs()),
        Case("large", LARGE, lambda: _step_inputs(scale=1e4)),
        Case("tiny", TINY, lambda: _step_inputs(N=1, D=1, H=1, seed=220)),
    ],
    diagnose=_diagnose_step_forward,
)

GRADS = ("dx", "dprev_h", "dprev_c", "dWx", "dWh", "db")


def _run_step_backward(module, k):
    next_h, next_c, cache = _step_forward(module, k)
    upstream = [k["dnext_h"], k["dnext_c"], cache]
    grads = call_backward(module.lstm_step_backward, upstream, ("dnext_h", "dnext_c", "cache"), GRADS)
    return {"next_h": next_h, "next_c": next_c, **grads}


SB_ALL = "both upstream gradients are on"
SB_H = "only dnext_h is on (dnext_c = 0)"
SB_C = "only dnext_c is on (dnext_h = 0)"
SB_ONE = "N = 1"


def _backward_inputs(seed, h=True, c=True, N=3):
    k = _step_inputs(N=N, seed=seed)
    if not h:
        k["dnext_h"] = np.zeros_like(k["dnext_h"])
    if not c:
        k["dnext_c"] = np.zeros_like(k["dnext_c"])
    return k


def _diagnose_step_backward(report, refs):
    bad = {out for outs in report.bad.values() for out in outs}
    if bad & {"next_h", "next_c"}:
        return "The forward pass is wrong on these inputs: fix lstm_step_forward first."
    if bad == {"dprev_c"} and report.failed(SB_C, "dprev_c"):
        return "dprev_c is the cell state's total gradient times f: the old state enters as f * prev_c."
    if report.failed(SB_C) and not report.failed(SB_H):
        return (
            "Right when only dnext_h is on, wrong when only dnext_c is on: the cell state's gradient is "
            "dnext_c + dnext_h * o * (1 - tanh(next_c)**2); is dnext_c added in?"
        )
    if report.failed(SB_H, "dprev_c"):
        return (
            "dnext_h reaches the cell state too: next_h = o * tanh(next_c), so the cell state's "
            "gradient is dnext_c + dnext_h * o * (1 - tanh(next_c)**2)."
        )
    if bad == {"dprev_c"}:
        return (
            "dprev_c is the cell state's total gradient times f: the old state enters next_c as f * prev_c."
        )
    ref = refs[SB_ALL]
    db_gates = wrong_gates(report, SB_ALL, "db", ref["db"], 4, GATES) or []
    dwx_gates = wrong_gates(report, SB_ALL, "dWx", ref["dWx"], 4, GATES) or []
    if db_gates and not dwx_gates:
        gate = db_gates[0]
        return (
            f"db's {gate} block is wrong while dWx's is right: each block of db is the sum over the "
            f"batch of that gate's own pre-activation gradient (is the {gate} block copied from another?)."
        )
    if dwx_gates and len(dwx_gates) < 4:
        names = {"i": "input", "f": "forget", "o": "output", "g": "candidate"}
        listed = ", ".join(f"{g} ({names[g]})" for g in dwx_gates)
        return f"Only these gate blocks are wrong: {listed}. Check their gradients and nonlinearities."
    if bad and bad <= {"dx", "dprev_h"}:
        return "dx and dprev_h send the stacked pre-activation gradient back through Wx.T and Wh.T."
    return None


lstm_step_backward = Exercise(
    name="lstm_step_backward",
    notebook="04_backprop_through_time",
    run=_run_step_backward,
    cases=[
        # The cases that switch one gradient off first: a student reads them first
        Case("sb_h", SB_H, lambda: _backward_inputs(seed=250, c=False)),
        Case("sb_c", SB_C, lambda: _backward_inputs(seed=260, h=False)),
        Case("sb_all", SB_ALL, lambda: _backward_inputs(seed=240)),
        Case("sb_one", SB_ONE, lambda: _backward_inputs(seed=270, N=1)),
    ],
    diagnose=_diagnose_step_backward,
    needs=("lstm_step_forward",),
)

# lstm_forward also takes an initial cell state c0 and returns every step's cell state (h, c, cache): the
# language model's LSTM layer carries (h, c) from chunk to chunk with them.
C0_CASE = "c0 is given"
LSTM_RETURNS = ("h", "c", "cache")


def _c0_inputs():
    k = seq_inputs(lstm_params, seed=310)
    k["c0"] = array(317, *k["h0"].shape, scale=0.8)
    return k


def _run_lstm_forward_from_c0(module, k):
    if "c0" not in k:
        return None  # the plain call, as for every cell

    def lstm_forward_with_c0(x, h0, Wx, Wh, b, c0):
        return module.lstm_forward(x, h0, Wx, Wh, b, c0=c0)

    lstm_forward_with_c0.__name__ = "lstm_forward"
    values = [k[a] for a in SEQ_ARGS] + [k["c0"]]
    h, c, _ = unpack(call_unchanged(lstm_forward_with_c0, values, (*SEQ_ARGS, "c0")), 3, "h, c, cache")
    return {"h": h, "c": c}


def _diagnose_lstm_forward_from_c0(report, refs):
    if report.failed(C0_CASE) and not [case for case in report.bad if case != C0_CASE]:
        if report.failed(C0_CASE, "h"):
            return (
                "Right from a zero cell state, wrong from c0: the cell state starts at c0 when it is given."
            )
        return "h is right but c is not: c[:, t] is the cell state after step t, shape (N, T, H)."
    return None


SEQ_ARGS = ("x", "h0", "Wx", "Wh", "b")

lstm_forward = forward_exercise(
    "lstm_forward",
    "03_sequences",
    step="lstm_step_forward",
    params=lstm_params,
    args=SEQ_ARGS,
    first_step_hint=(
        "Right when h0 = 0, wrong from the first step otherwise: h0 starts the hidden state only; "
        "the cell state starts at zero."
    ),
    seed=300,
    extra_cases=[Case("c0_case", C0_CASE, _c0_inputs)],
    run_extra=_run_lstm_forward_from_c0,
    diagnose_extra=_diagnose_lstm_forward_from_c0,
    returns=LSTM_RETURNS,
)

lstm_backward = backward_exercise(
    "lstm_backward",
    "04_backprop_through_time",
    forward="lstm_forward",
    step_backward="lstm_step_backward",
    step_forward="lstm_step_forward",
    params=lstm_params,
    args=SEQ_ARGS,
    grads=("dx", "dh0", "dWx", "dWh", "db"),
    carried=(
        "dh[:, t] plus the dprev_h that step t + 1 returned, and that step's dprev_c as its "
        "dnext_c (the cell state's gradient flows back through time too)"
    ),
    seed=320,
    returns=LSTM_RETURNS,
)

EXERCISES = [lstm_step_forward, lstm_forward, lstm_step_backward, lstm_backward]
