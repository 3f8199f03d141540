"""Checks for the vanilla RNN exercises: cases that isolate one term at a time, and hints.

The hints name the usual mistake behind a pattern of failing cases and outputs; they are not
proof, which is why they say "likely" or ask a question.
"""

import numpy as np

from .core import Case, Exercise, Mismatch, call_unchanged, normwise_error, unpack
from .inputs import array, rnn_params

TOL = 1e-8


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
        Case(X_ONLY, lambda: _step_inputs(h=False, bias=False)),
        Case(H_ONLY, lambda: _step_inputs(x=False, bias=False)),
        Case(B_ONLY, lambda: _step_inputs(x=False, h=False)),
        Case(ALL_ON, lambda: _step_inputs()),
        Case(LARGE, lambda: _step_inputs(scale=1e4)),
        Case(TINY, lambda: _step_inputs(N=1, D=1, H=1, seed=20)),
    ],
    diagnose=_diagnose_step_forward,
)


def _run_step_backward(module, k):
    next_h, cache = _step_forward(module, k)
    backward = module.rnn_step_backward
    grads = unpack(
        call_unchanged(backward, [k["dnext_h"], cache], ("dnext_h", "cache")),
        5,
        "dx, dprev_h, dWx, dWh, db",
    )
    again = unpack(backward(k["dnext_h"], cache), 5, "dx, dprev_h, dWx, dWh, db")
    if not all(np.array_equal(np.asarray(a), np.asarray(b)) for a, b in zip(grads, again, strict=True)):
        raise Mismatch("gives a different result when called twice with the same cache")
    names = ("dx", "dprev_h", "dWx", "dWh", "db")
    return {"next_h": next_h, **dict(zip(names, grads, strict=True))}


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
            if db.shape == candidate.shape and normwise_error(db, candidate) < TOL:
                return hint
        return (
            "Every gradient is wrong, so the factor they share is the likely culprit: "
            "da = dnext_h * (1 - next_h**2), the gradient of the pre-activation."
        )
    if bad == {"db"} and actual is not None:
        db = np.asarray(actual["db"])
        n = report.inputs[SB_ALL]["x"].shape[0]
        if db.shape == ref["db"].shape and normwise_error(db * n, ref["db"]) < TOL:
            return "db is averaged over the batch; b is added to every row, so sum over axis 0."
        return "db sums da over the batch axis (axis 0), since b is added to every row."
    if bad and bad <= {"dWx", "dWh"}:
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
        Case(SB_ALL, lambda: _step_inputs(seed=30)),
        Case(SB_SATURATED, lambda: _step_inputs(seed=40, scale=3.0)),
        Case(SB_ONE, lambda: _step_inputs(N=1, seed=50)),
    ],
    diagnose=_diagnose_step_backward,
    needs=("rnn_step_forward",),
)


def _seq_inputs(N=2, T=5, D=3, H=4, seed=60, h0=True, dh_at=None):
    k = rnn_params(D, H, seed)
    k["x"] = array(seed + 4, N, T, D)
    k["h0"] = array(seed + 5, N, H, scale=0.8) if h0 else np.zeros((N, H))
    dh = array(seed + 6, N, T, H)
    if dh_at is not None:
        mask = np.zeros(T, dtype=bool)
        mask[dh_at] = True
        dh[:, ~mask] = 0.0
    k["dh"] = dh
    return k


SEQ_ARGS = ("x", "h0", "Wx", "Wh", "b")


def _forward(module, k):
    args = [k[name] for name in SEQ_ARGS]
    return unpack(call_unchanged(module.rnn_forward, args, SEQ_ARGS), 2, "h, cache")


def _run_forward(module, k):
    h, _ = _forward(module, k)
    return {"h": h}


F_ONE = "T = 1 (a single step)"
F_ZERO = "h0 = 0"
F_ALL = "h0 is not zero"
F_LONG = "N = 1, T = 9"


def _first_wrong_step(actual, expected):
    for t in range(expected.shape[1]):
        if normwise_error(actual[:, t], expected[:, t]) > TOL:
            return t
    return None


def _diagnose_forward(report, refs):
    h = report.actual.get(F_ALL, {}).get("h")
    ref = refs[F_ALL]["h"]
    if h is None or np.shape(h) != ref.shape:
        if h is not None and np.ndim(h) == 2:
            return "Return the hidden state of every step, (N, T, H), not just the last one."
        return "h holds one hidden state per step: shape (N, T, H), with h[:, t] the state after step t."
    h = np.asarray(h)
    t = _first_wrong_step(h, ref)
    if t is None:
        return None
    h0 = report.inputs[F_ALL]["h0"]
    if np.array_equal(h[:, 0], h0) or _first_wrong_step(h[:, 1:], ref[:, :-1]) is None:
        return "h[:, t] must be the state after step t; it holds the state before it."
    if t == 0:
        if not report.failed(F_ZERO):
            return "The first step ignores h0: it is rnn_step_forward(x[:, 0], h0, Wx, Wh, b)."
        return "Already h[:, 0] is wrong: is rnn_step_forward right (its check), fed with x[:, 0]?"
    return (
        f"h[:, 0] is right but h[:, {t}] is wrong: each step must start from the state the step "
        "before produced (prev_h = h[:, t - 1]), not from h0."
    )


rnn_forward = Exercise(
    name="rnn_forward",
    notebook="03_sequences",
    run=_run_forward,
    cases=[
        Case(F_ONE, lambda: _seq_inputs(T=1)),
        Case(F_ZERO, lambda: _seq_inputs(h0=False)),
        Case(F_ALL, lambda: _seq_inputs()),
        Case(F_LONG, lambda: _seq_inputs(N=1, T=9, seed=70)),
    ],
    diagnose=_diagnose_forward,
    needs=("rnn_step_forward",),
)


def _run_backward(module, k):
    h, cache = _forward(module, k)
    backward = module.rnn_backward
    names = ("dx", "dh0", "dWx", "dWh", "db")
    grads = unpack(call_unchanged(backward, [k["dh"], cache], ("dh", "cache")), 5, ", ".join(names))
    return {"h": h, **dict(zip(names, grads, strict=True))}


B_LAST = "only the last step has an upstream gradient (dh[:, :-1] = 0)"
B_FIRST = "only the first step has an upstream gradient (dh[:, 1:] = 0)"
B_ONE = "T = 1 (a single step)"
B_ALL = "every step has an upstream gradient"


def _diagnose_backward(report, refs):
    bad = {out for outs in report.bad.values() for out in outs}
    if "h" in bad:
        return "The forward pass is wrong on these inputs: fix rnn_forward first."
    if report.failed(B_ONE):
        return "Even a single step is wrong: with T = 1 this is one rnn_step_backward call (its check)."
    if report.failed(B_LAST):
        dx = report.actual[B_LAST].get("dx")
        if dx is not None and np.shape(dx) == refs[B_LAST]["dx"].shape and not np.any(dx[:, :-1]):
            return (
                "The gradient stops at the last step: step t must receive dh[:, t] plus the "
                "dprev_h that step t + 1 returned."
            )
        if not report.failed(B_LAST, "dx") and bad <= {"dWx", "dWh", "db"}:
            return "Weights are shared by every step, so their gradients add up: accumulate, don't overwrite."
        return (
            "Wrong even with an upstream gradient only at the last step: walk t from T - 1 down "
            "to 0, passing each step's dprev_h to the step before."
        )
    if report.failed(B_ALL) or report.failed(B_FIRST):
        if bad <= {"dh0"}:
            return "dh0 is the dprev_h that the step at t = 0 returns."
        return (
            "Right when only the last step has an upstream gradient, wrong when earlier ones do: "
            "is the upstream gradient dh[:, t] added at every step?"
        )
    return None


rnn_backward = Exercise(
    name="rnn_backward",
    notebook="04_backprop_through_time",
    run=_run_backward,
    cases=[
        Case(B_ONE, lambda: _seq_inputs(T=1, seed=80)),
        Case(B_LAST, lambda: _seq_inputs(seed=90, dh_at=-1)),
        Case(B_FIRST, lambda: _seq_inputs(seed=100, dh_at=0)),
        Case(B_ALL, lambda: _seq_inputs(seed=110)),
    ],
    diagnose=_diagnose_backward,
    needs=("rnn_step_forward", "rnn_forward", "rnn_step_backward"),
)

EXERCISES = [rnn_step_forward, rnn_forward, rnn_step_backward, rnn_backward]
