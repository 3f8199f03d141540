"""Checks for the attention exercises (notebook 9).

Cases isolate one part of attention at a time: identical regions (the weights must be uniform and the
context that region, whatever the scores), one region that the query points at much more than the
others (the weights must be nearly one-hot), large scores (the softmax must not overflow), a single
region. Which cases fail tells a softmax over the wrong axis from a context of unnormalised scores.
"""

import numpy as np

from .core import Case, Exercise, call_backward, call_unchanged, unpack
from .inputs import array

NOTEBOOK = "09_attention_captioning"
MODULE = "attention_layers"

A_ALL = "all terms are on"
A_SAME = "every region is the same (the weights must be uniform)"
A_POINTED = "the query points at one region far more than at the others"
A_LARGE = "the scores are large (up to ~1e4)"
A_ONE = "N = 1, L = 1"


def _inputs(case, seed=900):
    N, L, H, R = 3, 5, 4, 6
    if case == A_ONE:
        N, L = 1, 1
    k = {
        "h": array(seed, N, H),
        "regions": array(seed + 1, N, L, R),
        "Wa": array(seed + 2, H, R, scale=0.5),
        "dcontext": array(seed + 3, N, R),
    }
    if case == A_SAME:
        k["regions"] = np.repeat(array(seed + 4, N, 1, R), L, axis=1)
    if case == A_POINTED:
        query = k["h"] @ k["Wa"]
        k["regions"][:, 2] = 8.0 * query / np.linalg.norm(query, axis=1, keepdims=True)
    if case == A_LARGE:
        k["h"] = 1e3 * k["h"]
    return k


def _forward(module, k):
    args = [k["h"], k["regions"], k["Wa"]]
    result, cache = unpack(
        call_unchanged(module.attention_forward, args, ("h", "regions", "Wa")), 2, "(context, weights), cache"
    )
    context, weights = unpack(result, 2, "context, weights")
    return context, weights, cache


def _run_forward(module, k):
    context, weights, _ = _forward(module, k)
    return {"context": context, "weights": weights}


def _diagnose_forward(report, refs):
    weights = report.actual.get(A_ALL, {}).get("weights")
    if weights is not None and np.shape(weights) == refs[A_ALL]["weights"].shape:
        weights = np.asarray(weights)
        if not np.allclose(weights.sum(axis=1), 1) and np.allclose(weights.sum(axis=0), 1):
            return "The weights sum to 1 over the batch: the softmax goes over the regions, axis 1 of (N, L)."
    if report.failed(A_LARGE) and len(report.bad) == 1:
        return "Wrong only for large scores: subtract each row's maximum score before np.exp."
    if not any("weights" in outs for outs in report.bad.values()):
        return (
            "The weights are right but the context is not: it is sum_l weights[n, l] * regions[n, l], "
            "with the normalised weights (not the exponentials or the scores)."
        )
    if report.failed(A_ALL, "weights") and not report.failed(A_SAME, "weights"):
        return "Check the scores: regions[n, l] . (h[n] @ Wa), divided by sqrt(R) (R = regions.shape[2])."
    return (
        "weights = softmax over the L regions of the scores; context = the weights' average of the regions."
    )


attention_forward = Exercise(
    name="attention_forward",
    notebook=NOTEBOOK,
    module=MODULE,
    run=_run_forward,
    cases=[
        Case(key, case, lambda case=case: _inputs(case))
        for key, case in (
            ("a_all", A_ALL),
            ("a_same", A_SAME),
            ("a_pointed", A_POINTED),
            ("a_large", A_LARGE),
            ("a_one", A_ONE),
        )
    ],
    diagnose=_diagnose_forward,
)

GRADS = ("dh", "dregions", "dWa")


def _identical_regions(regions):
    return bool(np.all(regions == regions[:, :1]))


def _zero_in_theory(grads, names):
    # With identical regions the scores cannot change anything, so these gradients are 0 in exact
    # arithmetic and rounding noise in practice (relative to 0, any noise is a 100% error): round it off.
    return {**grads, **{name: np.round(np.asarray(grads[name], dtype=np.float64), 10) for name in names}}


def _run_backward(module, k):
    context, weights, cache = _forward(module, k)
    grads = call_backward(module.attention_backward, [k["dcontext"], cache], ("dcontext", "cache"), GRADS)
    if _identical_regions(k["regions"]):
        grads = _zero_in_theory(grads, ("dh", "dWa"))
    return {"context": context, "weights": weights, **grads}


def _diagnose_backward(report, refs):
    bad = {out for outs in report.bad.values() for out in outs}
    if bad & {"context", "weights"}:
        return "The forward pass is wrong on these inputs: fix attention_forward first."
    if bad == {"dregions"}:
        return (
            "Each region is used twice, averaged into the context and scored against the query: dregions "
            "adds weights[n, l] * dcontext[n] and dscores[n, l] * q[n] / sqrt(R)."
        )
    dh_same = report.actual.get(A_SAME, {}).get("dh")
    if dh_same is not None and np.shape(dh_same) == refs[A_SAME]["dh"].shape and np.abs(dh_same).max() > 1e-9:
        return (
            "With identical regions the scores cannot change the context, so dh must be 0, and yours is "
            "not: through the softmax, dscores = weights * (dweights - sum over l of weights * dweights)."
        )
    if bad <= {"dh", "dWa"}:
        return "From dq = sum_l dscores[n, l] * regions[n, l] / sqrt(R): dh = dq @ Wa.T and dWa = h.T @ dq."
    return None


attention_backward = Exercise(
    name="attention_backward",
    notebook=NOTEBOOK,
    module=MODULE,
    run=_run_backward,
    cases=[
        Case(key, case, lambda case=case: _inputs(case, seed=920))
        for key, case in (("a_all", A_ALL), ("a_same", A_SAME), ("a_pointed", A_POINTED), ("a_one", A_ONE))
    ],
    diagnose=_diagnose_backward,
    needs=("attention_forward",),
)


# ------------------------------------------------------------------------------ the attention LSTM
S_ALL = "all terms are on"
S_NO_CONTEXT = "Wc = 0 (the context is ignored: a plain LSTM step)"
S_KEEP = "the forget gate is open and the input gate shut (next_c = prev_c)"
S_SAME = "every region is the same (the weights must be uniform)"
S_ONE = "N = 1, L = 1"
STEP_ARGS = ("x", "prev_h", "prev_c", "regions", "Wx", "Wh", "Wc", "b", "Wa")
STEP_GRADS = ("dx", "dprev_h", "dprev_c", "dregions", "dWx", "dWh", "dWc", "db", "dWa")


def _lstm_weights(k, seed, D, H, R):
    k["Wx"] = array(seed + 10, D, 4 * H, scale=0.5)
    k["Wh"] = array(seed + 11, H, 4 * H, scale=0.5)
    k["Wc"] = array(seed + 12, R, 4 * H, scale=0.5)
    k["b"] = array(seed + 13, 4 * H, scale=0.5)
    k["Wa"] = array(seed + 14, H, R, scale=0.5)
    return k


def _step_inputs(case, seed=940):
    N, L, D, H, R = 3, 5, 4, 3, 6
    if case == S_ONE:
        N, L = 1, 1
    k = _lstm_weights({}, seed, D, H, R)
    k.update(
        x=array(seed, N, D),
        prev_h=array(seed + 1, N, H, scale=0.8),
        prev_c=array(seed + 2, N, H),
        regions=array(seed + 3, N, L, R),
        dnext_h=array(seed + 4, N, H),
        dnext_c=array(seed + 5, N, H),
    )
    if case == S_NO_CONTEXT:
        k["Wc"] = np.zeros_like(k["Wc"])
    if case == S_KEEP:
        k["b"][:H], k["b"][H : 2 * H] = -30.0, 30.0  # input gate shut, forget gate open
    if case == S_SAME:
        k["regions"] = np.repeat(array(seed + 6, N, 1, R), L, axis=1)
    return k


def _step_forward(module, k):
    args = [k[a] for a in STEP_ARGS]
    result = call_unchanged(module.attention_lstm_step_forward, args, STEP_ARGS)
    return unpack(result, 4, "next_h, next_c, weights, cache")


def _run_step_forward(module, k):
    next_h, next_c, weights, _ = _step_forward(module, k)
    return {"next_h": next_h, "next_c": next_c, "weights": weights}


def _diagnose_step_forward(report, refs):
    bad = {out for outs in report.bad.values() for out in outs}
    if "weights" in bad:
        return (
            "The weights come from attention_forward(prev_h, regions, Wa): the previous state chooses "
            "where to look."
        )
    if report.failed(S_KEEP, "next_c"):
        return (
            "With the forget gate open and the input gate shut next_c = prev_c: take the gates in the "
            "order i, f, o, g."
        )
    if not report.failed(S_NO_CONTEXT):
        return (
            "Right when Wc = 0, wrong otherwise: the context enters all four gates, "
            "the gates read x @ Wx + prev_h @ Wh + context @ Wc + b."
        )
    return "One LSTM step (lstm_step_forward's formulas) whose pre-activation also gets context @ Wc."


attention_lstm_step_forward = Exercise(
    name="attention_lstm_step_forward",
    notebook=NOTEBOOK,
    module=MODULE,
    run=_run_step_forward,
    cases=[
        Case(key, case, lambda case=case: _step_inputs(case))
        for key, case in (
            ("s_all", S_ALL),
            ("s_no_context", S_NO_CONTEXT),
            ("s_keep", S_KEEP),
            ("s_same", S_SAME),
            ("s_one", S_ONE),
        )
    ],
    diagnose=_diagnose_step_forward,
    needs=("attention_forward",),
)


def _run_step_backward(module, k):
    next_h, next_c, weights, cache = _step_forward(module, k)
    args = [k["dnext_h"], k["dnext_c"], cache]
    grads = call_backward(
        module.attention_lstm_step_backward, args, ("dnext_h", "dnext_c", "cache"), STEP_GRADS
    )
    if _identical_regions(k["regions"]):
        grads = _zero_in_theory(grads, ("dWa",))
    return {"next_h": next_h, "next_c": next_c, **grads}


def _diagnose_step_backward(report, refs):
    bad = {out for outs in report.bad.values() for out in outs}
    if bad & {"next_h", "next_c"}:
        return "The forward pass is wrong on these inputs: fix attention_lstm_step_forward first."
    if not report.failed(S_NO_CONTEXT) and bad <= {"dprev_h", "dregions", "dWa", "dWc"}:
        if bad == {"dprev_h"}:
            return (
                "prev_h reaches the gates twice, directly and as the query of the attention: add the dh "
                "that attention_backward returns to da @ Wh.T."
            )
        return (
            "Back through the attention: dcontext = da @ Wc.T, then attention_backward(dcontext, its cache)."
        )
    return "The LSTM step's backward pass (lstm_step_backward), with the context as one more input."


attention_lstm_step_backward = Exercise(
    name="attention_lstm_step_backward",
    notebook=NOTEBOOK,
    module=MODULE,
    run=_run_step_backward,
    cases=[
        Case(key, case, lambda case=case: _step_inputs(case, seed=960))
        for key, case in (
            ("s_all", S_ALL),
            ("s_no_context", S_NO_CONTEXT),
            ("s_same", S_SAME),
            ("s_one", S_ONE),
        )
    ],
    diagnose=_diagnose_step_backward,
    needs=("attention_forward", "attention_backward", "attention_lstm_step_forward"),
)

Q_ALL = "all terms are on"
Q_ONE_STEP = "T = 1 (one step)"
Q_LAST = "only the last step has an upstream gradient"
Q_LONG = "N = 1, T = 7"
SEQ_ARGS = ("x", "h0", "regions", "Wx", "Wh", "Wc", "b", "Wa")
SEQ_GRADS = ("dx", "dh0", "dregions", "dWx", "dWh", "dWc", "db", "dWa")


def _seq_inputs(case, seed=980):
    N, T, L, D, H, R = 3, 4, 5, 4, 3, 6
    if case == Q_ONE_STEP:
        T = 1
    if case == Q_LONG:
        N, T = 1, 7
    k = _lstm_weights({}, seed, D, H, R)
    k.update(
        x=array(seed, N, T, D),
        h0=array(seed + 1, N, H, scale=0.8),
        regions=array(seed + 2, N, L, R),
        dh=array(seed + 3, N, T, H),
    )
    if case == Q_LAST:
        k["dh"][:, :-1] = 0.0
    return k


def _seq_forward(module, k):
    args = [k[a] for a in SEQ_ARGS]
    return unpack(call_unchanged(module.attention_lstm_forward, args, SEQ_ARGS), 3, "h, weights, cache")


def _run_seq_forward(module, k):
    h, weights, _ = _seq_forward(module, k)
    return {"h": h, "weights": weights}


def _diagnose_seq_forward(report, refs):
    h = report.actual.get(Q_ALL, {}).get("h")
    if h is not None and np.shape(h) != refs[Q_ALL]["h"].shape:
        return "h holds every step's hidden state, (N, T, H), and weights every step's weights, (N, T, L)."
    if {out for outs in report.bad.values() for out in outs} == {"weights"}:
        return (
            "h is right but the weights are not: keep every step's weights, (N, T, L), in the order of "
            "the steps."
        )
    if not report.failed(Q_ONE_STEP):
        return (
            "Right for one step, wrong for more: each step starts from the h and c the step before returned."
        )
    return "The first step starts from h0 and a zero cell state; every step attends over the same regions."


attention_lstm_forward = Exercise(
    name="attention_lstm_forward",
    notebook=NOTEBOOK,
    module=MODULE,
    run=_run_seq_forward,
    cases=[
        Case(key, case, lambda case=case: _seq_inputs(case))
        for key, case in (("q_all", Q_ALL), ("q_one_step", Q_ONE_STEP), ("q_long", Q_LONG))
    ],
    diagnose=_diagnose_seq_forward,
    needs=("attention_forward", "attention_lstm_step_forward"),
)


def _run_seq_backward(module, k):
    h, weights, cache = _seq_forward(module, k)
    grads = call_backward(module.attention_lstm_backward, [k["dh"], cache], ("dh", "cache"), SEQ_GRADS)
    return {"h": h, **grads}


def _diagnose_seq_backward(report, refs):
    bad = {out for outs in report.bad.values() for out in outs}
    if "h" in bad:
        return "The forward pass is wrong on these inputs: fix attention_lstm_forward first."
    if report.failed(Q_ONE_STEP):
        return "Even one step is wrong: with T = 1 this is one attention_lstm_step_backward call."
    if bad <= {"dregions", "dWx", "dWh", "dWc", "db", "dWa"}:
        return "The regions and the weights are used at every step: add up their gradients over the steps."
    if report.failed(Q_LAST):
        return (
            "Walk back from the last step, passing dprev_h and dprev_c to the step before: "
            "dh[:, t] + dprev_h."
        )
    return None


attention_lstm_backward = Exercise(
    name="attention_lstm_backward",
    notebook=NOTEBOOK,
    module=MODULE,
    run=_run_seq_backward,
    cases=[
        Case(key, case, lambda case=case: _seq_inputs(case, seed=1000))
        for key, case in (
            ("q_all", Q_ALL),
            ("q_one_step", Q_ONE_STEP),
            ("q_last", Q_LAST),
            ("q_long", Q_LONG),
        )
    ],
    diagnose=_diagnose_seq_backward,
    needs=(
        "attention_forward",
        "attention_backward",
        "attention_lstm_step_forward",
        "attention_lstm_step_backward",
        "attention_lstm_forward",
    ),
)

EXERCISES = [
    attention_forward,
    attention_backward,
    attention_lstm_step_forward,
    attention_lstm_step_backward,
    attention_lstm_forward,
    attention_lstm_backward,
]
