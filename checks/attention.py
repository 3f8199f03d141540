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


def _run_backward(module, k):
    context, weights, cache = _forward(module, k)
    grads = call_backward(module.attention_backward, [k["dcontext"], cache], ("dcontext", "cache"), GRADS)
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

EXERCISES = [attention_forward, attention_backward]
