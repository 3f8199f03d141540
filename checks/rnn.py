"""Checks for the vanilla RNN exercises: cases that isolate one term at a time, and hints.

The hints name the usual mistake behind a pattern of failing cases and outputs; they are not
proof, which is why they say "likely" or ask a question.
"""

import numpy as np

from .core import TOLERANCE, Case, Exercise, call_backward, call_unchanged, normwise_error, unpack
from .inputs import array, rnn_params
from .sequences import backward_exercise, forward_exercise


def _step_inputs(N=3, D=4, H=5, seed=10, x=True, h=True, bias=True, scale=1.0):
    k = rnn_params(D, H, seed)
    k["x"] = array(seed + 4, N, D, scale=scale) if x else np.zeros((N, D))
    k["prev_h"] = array(seed + 5, N, H, scale=0.8) if h else np.zeros((N, H))
    if not bias:
        k["b"] = np.zeros(H)
    k["dnext_h"] = array(seed + 6, N, H)
    return k


STEP_ARGS = ("x", "prev_h", "Wx", "Wh", "b")


def _step_forward(module, k):
    args = [k[name] for name in STEP_ARGS]
    result = call_unchanged(module.rnn_step_forward, args, STEP_ARGS)
    return unpack(result, 2, "next_h, cache")


def _run_step_forward(module, k):
    next_h, _ = _step_forward(module, k)
    return {"next_h": next_h}


X_ONLY = "only the input term is on (prev_h = 0, b = 0)"
H_ONLY = "only the recurrent term is on (x = 0, b = 0)"
B_ONLY = "only the bias is on (x = 0, prev_h = 0)"
ALL_ON = "all three terms are on"
LARGE = "the pre-activations are large (|a| up to ~1e4)"
TINY = "N = 1, D = 1, H = 1"


def _diagnose_step_forward(report, refs):
    isolated = {X_ONLY: "x @ Wx", H_ONLY: "prev_h @ Wh", B_ONLY: "+ b"}
    failing = [case for case in isolated if report.failed(case)]
    if not failing:
        if report.failed(ALL_ON):
            return "Each term is right on its own but not together: add all three inside one tanh."
        if report.failed(LARGE):
            return "Wrong only for large inputs: np.tanh is stable; a formula with exponentials is not."
        return None
    h = np.asarray(report.actual.get(ALL_ON, {}).get("next_h", np.zeros(0)))
    if h.shape == refs[ALL_ON]["next_h"].shape:
        if np.any(np.abs(h) > 1):
            return "next_h must lie in [-1, 1]: is np.tanh applied to the whole pre-activation?"
        if np.all(h > 0):
            return "Every value of next_h is positive: a sigmoid? The vanilla RNN uses tanh."
    if len(failing) == 1:
        return {
            X_ONLY: "The input term is x @ Wx, an (N, D) @ (D, H) product.",
            H_ONLY: (
                "The recurrent term is prev_h @ Wh, an (N, H) @ (H, H) matrix product: not Wh.T, "
                "not Wh @ prev_h, not an element-wise product."
            ),
            B_ONLY: "With x = 0 and prev_h = 0, next_h is tanh(b) in every row: is b added once?",
        }[failing[0]]
    return "Several terms are wrong on their own: " + ", ".join(isolated[c] for c in failing) + "."


rnn_step_forward = Exercise(
    name="rnn_step_forward",
    notebook="01_rnn_cell",
    run=_run_step_forward,
    cases=[
        Case("x_only", X_ONLY, lambda: _step_inputs(h=False, bias=False)),
        Case("h_only", H_ONLY, lambda: _step_inputs(x=False, bias=False)),
        Case("b_only", B_ONLY, lambda: _step_inputs(x=False, h=False)),
        Case("all_on", ALL_ON, lambda: _step_inputs()),
        Case("large", LARGE, lambda: _step_inputs(scale=1e4)),
        Case("tiny", TINY, lambda: _step_inputs(N=1, D=1, H=1, seed=20)),
    ],
    diagnose=_diagnose_step_forward,
)


def _run_step_backward(module, k):
    next_h, cache = _step_forward(module, k)
    grads = call_backward(
        module.rnn_step_backward,
        [k["dnext_h"], cache],
        ("dnext_h", "cache"),
        ("dx", "dprev_h", "dWx", "dWh", "db"),
    )
    return {"next_h": next_h, **grads}


SB_ALL = "all terms are on"
SB_SATURATED = "the units are close to saturation (|next_h| near 1)"
SB_ONE = "N = 1"


def _diagnose_step_backward(report, refs):
    bad = {out for outs in report.bad.values() for out in outs}
    if "next_h" in bad:
        return "The forward pass is wrong on these inputs: fix rnn_step_forward first."
    grads = {"dx", "dprev_h", "dWx", "dWh", "db"}
    actual = report.actual.get(SB_ALL)
    ref = refs[SB_ALL]
    if bad >= grads and actual is not None:
        k = report.inputs[SB_ALL]
        h = ref["next_h"]
        db = np.asarray(actual["db"])
        for wrong_factor, hint in (
            (1 - h, "The tanh derivative is 1 - next_h**2, not 1 - next_h."),
            (1 - np.tanh(h) ** 2, "next_h is already tanh(a): its derivative is 1 - next_h**2."),
            (np.ones_like(h), "Every gradient is missing the tanh derivative (1 - next_h**2)."),
        ):
            candidate = (k["dnext_h"] * wrong_factor).sum(axis=0)
            if db.shape == candidate.shape and normwise_error(db, candidate) < TOLERANCE:
                return hint
        return (
            "Every gradient is wrong, so the factor they share is the likely culprit: "
            "da = dnext_h * (1 - next_h**2), the gradient of the pre-activation."
        )
    if bad == {"db"} and actual is not None:
        db = np.asarray(actual["db"])
        n = report.inputs[SB_ALL]["x"].shape[0]
        if db.shape == ref["db"].shape and normwise_error(db * n, ref["db"]) < TOLERANCE:
            return "db is averaged over the batch; b is added to every row, so sum over axis 0."
        return "db sums da over the batch axis (axis 0), since b is added to every row."
    if bad and bad <= {"dWx", "dWh"}:
        for name, product in (("dWx", "x.T @ da"), ("dWh", "prev_h.T @ da")):
            grad = np.asarray(actual[name]) if actual is not None else np.zeros(0)
            if grad.shape == ref[name].T.shape and normwise_error(grad, ref[name].T) < TOLERANCE:
                return f"{name} is transposed: it is {product}, not the product the other way round."
        return (
            "The weight gradients pair each input with da: dWx is (D, H) from x and da, dWh is "
            "(H, H) from prev_h (not next_h) and da."
        )
    if bad and bad <= {"dx", "dprev_h"}:
        return "dx and dprev_h send da back through the transposed weights: (N, H) @ (H, D) for dx."
    return None


rnn_step_backward = Exercise(
    name="rnn_step_backward",
    notebook="04_backprop_through_time",
    run=_run_step_backward,
    cases=[
        Case("sb_all", SB_ALL, lambda: _step_inputs(seed=30)),
        Case("sb_saturated", SB_SATURATED, lambda: _step_inputs(seed=40, scale=3.0)),
        Case("sb_one", SB_ONE, lambda: _step_inputs(N=1, seed=50)),
    ],
    diagnose=_diagnose_step_backward,
    needs=("rnn_step_forward",),
)


SEQ_ARGS = ("x", "h0", "Wx", "Wh", "b")

rnn_forward = forward_exercise(
    "rnn_forward",
    "03_sequences",
    step="rnn_step_forward",
    params=rnn_params,
    args=SEQ_ARGS,
    first_step_hint="The first step ignores h0: it is rnn_step_forward(x[:, 0], h0, Wx, Wh, b).",
)

rnn_backward = backward_exercise(
    "rnn_backward",
    "04_backprop_through_time",
    forward="rnn_forward",
    step_backward="rnn_step_backward",
    step_forward="rnn_step_forward",
    params=rnn_params,
    args=SEQ_ARGS,
    grads=("dx", "dh0", "dWx", "dWh", "db"),
    carried="dh[:, t] plus the dprev_h that step t + 1 returned",
)

EXERCISES = [rnn_step_forward, rnn_forward, rnn_step_backward, rnn_backward]
