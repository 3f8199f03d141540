"""Checks for the linear recurrences of notebook 11: the scans, their backward pass, minGRU and minLSTM.

A scan is checked on cases that switch off one term (a = 0: no memory; a = 1, b = 0: pure memory), on
lengths that are and are not powers of two, and on coefficients so small that their products underflow
(where a closed form that divides by them fails). The parallel scan must also be parallel: it may run
only a few lines of Python per doubling of T, which a loop over the time steps exceeds. The gated layers
are checked with gates forced open or shut by large biases, as the GRU's are.
"""

import sys

import numpy as np

from .core import TOLERANCE, Case, Exercise, Mismatch, call_backward, call_unchanged, normwise_error, unpack
from .gates import OPEN, SHUT
from .inputs import array, gate_block
from .sequences import first_wrong_step, upstream_gradient

NOTEBOOK = "11_linear_recurrences"
MODULE = "linear_rnn"


def _coefficients(seed, N, T, H, low=0.0, high=1.0):
    """a in (low, high): sigmoids of normal numbers, rescaled."""
    return low + (high - low) / (1.0 + np.exp(-array(seed, N, T, H, scale=1.5)))


def scan_inputs(N=2, T=5, H=3, seed=900, a=None, b=None, h0=True, low=0.0, high=1.0):
    k = {
        "a": _coefficients(seed, N, T, H, low, high) if a is None else np.full((N, T, H), float(a)),
        "b": array(seed + 1, N, T, H) if b is None else np.full((N, T, H), float(b)),
        "h0": array(seed + 2, N, H) if h0 else np.zeros((N, H)),
    }
    return k


S_ONE = "T = 1 (a single step)"
S_MEMORY = "a = 1, b = 0 (every h_t equals h0)"
S_NO_MEMORY = "a = 0 (h_t = b_t)"
S_ZERO = "h0 = 0"
S_ALL = "a, b and h0 are all random"
S_POWER = "T = 8 (a power of two)"
S_ODD = "T = 13 (not a power of two)"
S_TINY = "a_t about 0.01, T = 200 (the products of the a's underflow to 0)"
S_PARALLEL = "N = H = 1, T = 1024 (counting the lines of Python it runs)"

# A parallel scan of T = 1024 steps runs its loop body about log2(T) = 10 times (20 for Blelloch's two
# sweeps): a few hundred lines at most. A loop over the time steps runs at least one line per step.
MAX_LINES = 400


def count_python_lines(fn, args, filename):
    """fn(*args), and how many lines of Python it ran in the file `filename` (any of its functions)."""
    count = 0

    def in_file(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
        return in_file

    def calls(frame, event, arg):
        return in_file if frame.f_code.co_filename == filename else None

    previous = sys.gettrace()
    sys.settrace(calls)
    try:
        result = fn(*args)
    finally:
        sys.settrace(previous)
    return result, count


def _run_scan(name):
    def run(module, k):
        args = [k["a"], k["b"], k["h0"]]
        fn = getattr(module, name)
        if k.get("count_lines"):
            h, lines = count_python_lines(fn, args, module.__file__)
            if lines > MAX_LINES:
                raise Mismatch(
                    f"{name} ran {lines} lines of Python for T = {k['a'].shape[1]}: it loops over the time "
                    f"steps. The scan combines whole arrays in about log2(T) = "
                    f"{int(np.log2(k['a'].shape[1]))} steps, with no loop over t (see its TODO)."
                )
        else:
            h = call_unchanged(fn, args, ("a", "b", "h0"))
        return {"h": h}

    return run


def _diagnose_scan_shape(report, refs):
    h = report.actual.get(S_ALL, {}).get("h")
    if h is None or np.shape(h) != refs[S_ALL]["h"].shape:
        return "h holds the state after every step: shape (N, T, H), like a and b."
    h, ref = np.asarray(h), refs[S_ALL]["h"]
    if normwise_error(h[:, 1:], ref[:, :-1]) < TOLERANCE:
        return "h[:, t] must be the state after step t; it holds the state before it."
    if report.failed(S_NO_MEMORY) and report.failed(S_MEMORY):
        return "h_t = a_t * h_{t-1} + b_t: a multiplies the state and b is added. Are a and b swapped?"
    if report.failed(S_NO_MEMORY):
        return "With a = 0 every h_t is b_t: h_t = a_t * h_{t-1} + b_t."
    if report.failed(S_MEMORY):
        return (
            "With a = 1 and b = 0 the state never changes: h_t = h0 at every step. Start from h0 (in the "
            "scan, h_t = A_t * h0 + B_t)."
        )
    return None


def _diagnose_linear_scan(report, refs):
    hint = _diagnose_scan_shape(report, refs)
    if hint is not None:
        return hint
    h, ref = report.actual.get(S_ALL, {}).get("h"), refs[S_ALL]["h"]
    t = first_wrong_step(np.asarray(h), ref)
    if t is not None and t > 0:
        return (
            f"h[:, 0] is right but h[:, {t}] is wrong: each step starts from the state the step before "
            "produced (h_{t-1}), not from h0."
        )
    return "Each step starts from the state the step before produced: h_t = a_t * h_{t-1} + b_t."


def _diagnose_parallel_scan(report, refs):
    h = report.actual.get(S_ALL, {}).get("h")
    if h is None or np.shape(h) != refs[S_ALL]["h"].shape:
        return "h holds the state after every step: shape (N, T, H), like a and b."
    if normwise_error(np.asarray(h)[:, 1:], refs[S_ALL]["h"][:, :-1]) < TOLERANCE:
        return "h[:, t] must be the state after step t; it holds the state before it."
    if report.failed(S_MEMORY) or (report.failed(S_ALL) and not report.failed(S_ZERO)):
        return "Right only when h0 = 0: after the scan, h_t = A_t * h0 + B_t (A_t, B_t: steps 0..t composed)."
    if report.failed(S_ODD) and not report.failed(S_POWER):
        return (
            "Right for T = 8, wrong for T = 13: keep doubling the shift while it is below T (shift < T), "
            "and combine every step t >= shift."
        )
    return (
        "Compose in the right order: the step `shift` earlier comes first, "
        "(A_t, B_t) becomes (A_t * A_{t-shift}, A_t * B_{t-shift} + B_t), and B must use A_t before A_t "
        "is updated."
    )


SCAN_CASES = [
    Case("s_one", S_ONE, lambda: scan_inputs(T=1)),
    Case("s_memory", S_MEMORY, lambda: scan_inputs(a=1.0, b=0.0)),
    Case("s_no_memory", S_NO_MEMORY, lambda: scan_inputs(a=0.0)),
    Case("s_zero", S_ZERO, lambda: scan_inputs(h0=False)),
    Case("s_all", S_ALL, lambda: scan_inputs()),
    Case("s_power", S_POWER, lambda: scan_inputs(T=8, seed=910)),
    Case("s_odd", S_ODD, lambda: scan_inputs(T=13, seed=920)),
    Case("s_tiny", S_TINY, lambda: scan_inputs(T=200, seed=930, low=0.005, high=0.015)),
]


linear_scan = Exercise(
    name="linear_scan",
    notebook=NOTEBOOK,
    module=MODULE,
    run=_run_scan("linear_scan"),
    cases=SCAN_CASES,
    diagnose=_diagnose_linear_scan,
)

parallel_linear_scan = Exercise(
    name="parallel_linear_scan",
    notebook=NOTEBOOK,
    module=MODULE,
    run=_run_scan("parallel_linear_scan"),
    cases=[
        *SCAN_CASES,
        Case(
            "s_parallel",
            S_PARALLEL,
            lambda: {**scan_inputs(N=1, T=1024, H=1, seed=940), "count_lines": True},
            # Counted in the process that runs the student's code, which can defeat the count: make check's
            # feedback, not graded (docs/grading.md).
            graded=False,
        ),
    ],
    diagnose=_diagnose_parallel_scan,
    stability=(
        "a formula that divides by the a's or by their products fails when they are 0 or underflow to 0: "
        "compose the steps (a1, b1) o (a2, b2) = (a1 * a2, a2 * b1 + b2) instead, which never divides"
    ),
)


B_ONE = "T = 1 (a single step)"
B_LAST = "only the last step has an upstream gradient (dh[:, :-1] = 0)"
B_FIRST = "only the first step has an upstream gradient (dh[:, 1:] = 0)"
B_ALL = "every step has an upstream gradient"
B_CUT = "a = 0 at step 2 (no gradient flows back past it)"


def backward_scan_inputs(N=2, T=5, H=3, seed=950, dh_at=None, cut=False):
    k = scan_inputs(N=N, T=T, H=H, seed=seed)
    if cut:
        k["a"][:, 2] = 0.0
    # Any states will do: the backward's outputs are compared with the reference's on the same inputs (a
    # forward pass here would hand out a working linear_scan).
    k["h"] = array(seed + 4, *k["b"].shape)
    k["dh"] = upstream_gradient(seed + 3, N, T, H, dh_at)
    return k


def _run_scan_backward(module, k):
    args = [k["dh"], k["a"], k["h0"], k["h"]]
    return call_backward(module.linear_scan_backward, args, ("dh", "a", "h0", "h"), ("da", "db", "dh0"))


def _diagnose_scan_backward(report, refs):
    bad = {out for outs in report.bad.values() for out in outs}
    if bad == {"dh0"}:
        return "dh0 = a_0 * g_0: the state h0 reaches the loss only through the first step."
    if bad == {"da"} or bad == {"da", "dh0"} and not report.failed(B_LAST, "db"):
        return "da_t = g_t * h_{t-1}, with h_{-1} = h0: the state the step started from, not h_t."
    if report.failed(B_LAST) and not report.failed(B_ONE):
        return (
            "The gradient must flow back in time: g_t = dh_t + a_{t+1} * g_{t+1} (the coefficient of the "
            "step after t, a_{t+1}, not a_t; nothing comes back after the last step). Reverse time with "
            "[:, ::-1], scan, and reverse back."
        )
    if report.failed(B_ONE):
        return "With T = 1: da = dh * h0, db = dh, dh0 = a * dh."
    return "g_t = dh_t + a_{t+1} * g_{t+1}; then da_t = g_t * h_{t-1}, db_t = g_t, dh0 = a_0 * g_0."


linear_scan_backward = Exercise(
    name="linear_scan_backward",
    notebook=NOTEBOOK,
    module=MODULE,
    run=_run_scan_backward,
    cases=[
        Case("b_one", B_ONE, lambda: backward_scan_inputs(T=1)),
        Case("b_last", B_LAST, lambda: backward_scan_inputs(seed=960, dh_at=-1)),
        Case("b_first", B_FIRST, lambda: backward_scan_inputs(seed=970, dh_at=0)),
        Case("b_all", B_ALL, lambda: backward_scan_inputs(seed=980)),
        Case("b_cut", B_CUT, lambda: backward_scan_inputs(seed=990, cut=True)),
        Case("b_long", "T = 13", lambda: backward_scan_inputs(T=13, seed=1000)),
    ],
    diagnose=_diagnose_scan_backward,
    needs=("parallel_linear_scan",),
)


# The gated layers. Blocks of Wx and b: minGRU z, c; minLSTM f, i, c.
BLOCKS = {"mingru": "zc", "minlstm": "fic"}
G_ALL = "all terms are on"
G_ONE = "T = 1 (a single step)"
G_LONG = "N = 1, T = 9"


def layer_inputs(layer, N=2, T=5, D=3, H=4, seed=1100, biases=None, tie=False, dh_at=None):
    blocks = len(BLOCKS[layer])
    k = {
        "x": array(seed, N, T, D),
        "h0": array(seed + 1, N, H, scale=0.8),
        "Wx": array(seed + 2, D, blocks * H, scale=0.5),
        "b": array(seed + 3, blocks * H, scale=0.5),
    }
    for block, value in (biases or {}).items():
        gate_block(k["b"], BLOCKS[layer].index(block), H)[:] = value
    if tie:  # the input gate reads what the forget gate reads: f = i
        gate_block(k["Wx"], 1, H)[:] = gate_block(k["Wx"], 0, H)
        gate_block(k["b"], 1, H)[:] = gate_block(k["b"], 0, H)
    k["dh"] = upstream_gradient(seed + 4, N, T, H, dh_at)
    return k


ARGS = ("x", "h0", "Wx", "b")
GRADS = ("dx", "dh0", "dWx", "db")


def _forward(module, layer, k):
    fn = getattr(module, f"{layer}_forward")
    return unpack(call_unchanged(fn, [k[a] for a in ARGS], ARGS), 2, "h, cache")


def _run_layer_forward(layer):
    def run(module, k):
        return {"h": _forward(module, layer, k)[0]}

    return run


def _run_layer_backward(layer):
    def run(module, k):
        h, cache = _forward(module, layer, k)
        fn = getattr(module, f"{layer}_backward")
        return {"h": h, **call_backward(fn, [k["dh"], cache], ("dh", "cache"), GRADS)}

    return run


Z_OPEN = "the update gate is open (z = 1: h_t = c_t)"
Z_SHUT = "the update gate is shut (z = 0: h_t = h0 at every step)"
KEEP = "the forget gate is open and the input gate shut (f' = 1: h_t = h0 at every step)"
WRITE = "the forget gate is shut and the input gate open (i' = 1: h_t = c_t)"
EVEN = "f = i (the normalised gates are both 1/2)"


def _diagnose_mingru_forward(report, refs):
    h = report.actual.get(G_ALL, {}).get("h")
    if h is None or np.shape(h) != refs[G_ALL]["h"].shape:
        return "h holds the state after every step: shape (N, T, H)."
    if report.failed(Z_OPEN) and report.failed(Z_SHUT):
        return (
            "h_t = (1 - z_t) * h_{t-1} + z_t * c_t: with z = 1 the state is replaced by c_t. Are z and "
            "1 - z swapped, or the column blocks (z first, then c)?"
        )
    if report.failed(Z_OPEN):
        return "With z = 1, h_t = c_t = x_t @ Wx[:, H:] + b[H:]: the candidate has no tanh in the minGRU."
    if report.failed(Z_SHUT):
        return "With z = 0 the state is kept: h_t = h0 at every step. Start the scan from h0."
    return "z from the first H columns of Wx and b (through the sigmoid), c from the last H (no tanh)."


def _diagnose_minlstm_forward(report, refs):
    h = report.actual.get(G_ALL, {}).get("h")
    if h is None or np.shape(h) != refs[G_ALL]["h"].shape:
        return "h holds the state after every step: shape (N, T, H)."
    if report.failed(EVEN) and not report.failed(KEEP) and not report.failed(WRITE):
        return "Normalise the gates: f' = f / (f + i) and i' = i / (f + i), so that they add up to 1."
    if report.failed(KEEP) and report.failed(WRITE):
        return "h_t = f'_t * h_{t-1} + i'_t * c_t, blocks in the order forget, input, candidate. Swapped?"
    if report.failed(WRITE):
        return "With i' = 1, h_t = c_t = x_t @ Wx[:, 2H:] + b[2H:]: the candidate has no tanh in the minLSTM."
    if report.failed(KEEP):
        return "With f' = 1 the state is kept: h_t = h0 at every step. Start the scan from h0."
    return "f, i, c from the column blocks :H, H:2H and 2H: of Wx and b; f' = f / (f + i), i' = i / (f + i)."


def _layer_forward_exercise(layer, gate_cases, diagnose, seed):
    def inputs(**kw):
        return lambda: layer_inputs(layer, seed=seed, **kw)

    return Exercise(
        name=f"{layer}_forward",
        notebook=NOTEBOOK,
        module=MODULE,
        run=_run_layer_forward(layer),
        cases=[
            Case("g_one", G_ONE, inputs(T=1)),
            *[Case(key, text, inputs(**kw)) for key, text, kw in gate_cases],
            Case("g_all", G_ALL, inputs()),
            Case("g_long", G_LONG, lambda: layer_inputs(layer, N=1, T=9, seed=seed + 10)),
        ],
        diagnose=diagnose,
        needs=("parallel_linear_scan",),
    )


mingru_forward = _layer_forward_exercise(
    "mingru",
    [
        ("z_open", Z_OPEN, {"biases": {"z": OPEN}}),
        ("z_shut", Z_SHUT, {"biases": {"z": SHUT}}),
    ],
    _diagnose_mingru_forward,
    seed=1100,
)

minlstm_forward = _layer_forward_exercise(
    "minlstm",
    [
        ("keep", KEEP, {"biases": {"f": OPEN, "i": SHUT}}),
        ("write", WRITE, {"biases": {"f": SHUT, "i": OPEN}}),
        ("even", EVEN, {"tie": True}),
    ],
    _diagnose_minlstm_forward,
    seed=1200,
)


def _layer_backward_exercise(layer, gate_hint, seed):
    forward = f"{layer}_forward"

    def diagnose(report, refs):
        bad = {out for outs in report.bad.values() for out in outs}
        if "h" in bad:
            return f"The forward pass is wrong on these inputs: fix {forward} first."
        if bad == {"dh0"}:
            return "dh0 is the dh0 that linear_scan_backward returns (h0 enters only the recurrence)."
        if "dh0" not in bad and bad <= {"dx", "dWx", "db"}:
            return gate_hint
        return (
            "Start from linear_scan_backward(dh, a, h0, h) with the a_t of the forward pass: it gives "
            "the gradients of a_t and b_t; every gate reaches h through them."
        )

    def inputs(**kw):
        return lambda: layer_inputs(layer, seed=seed, **kw)

    return Exercise(
        name=f"{layer}_backward",
        notebook=NOTEBOOK,
        module=MODULE,
        run=_run_layer_backward(layer),
        cases=[
            Case("b_one", B_ONE, inputs(T=1)),
            Case("b_last", B_LAST, inputs(dh_at=-1)),
            Case("b_first", B_FIRST, inputs(dh_at=0)),
            Case("b_all", B_ALL, inputs()),
        ],
        diagnose=diagnose,
        needs=("parallel_linear_scan", forward, "linear_scan_backward"),
    )


mingru_backward = _layer_backward_exercise(
    "mingru",
    "dh0 is right, the gate gradients are not: z_t reaches h_t twice, through a_t = 1 - z_t and "
    "b_t = z_t * c_t, so dz = db_t * c_t - da_t; dc = db_t * z_t; then through the sigmoid, z * (1 - z).",
    seed=1300,
)

minlstm_backward = _layer_backward_exercise(
    "minlstm",
    "dh0 is right, the gate gradients are not: f and i each reach both normalised gates, "
    "d f'/d f = i / (f + i)**2 and d f'/d i = -f / (f + i)**2 (and i' = 1 - f'); the candidate's "
    "gradient is db_t * i'_t.",
    seed=1400,
)

EXERCISES = [
    linear_scan,
    parallel_linear_scan,
    linear_scan_backward,
    mingru_forward,
    mingru_backward,
    minlstm_forward,
    minlstm_backward,
]
