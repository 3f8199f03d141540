"""Checks for the sequence-to-sequence exercises (notebook 10): bidirectional and stacked layers, attention
over a padded source, and the encoder-decoder's loss (teacher forcing) and greedy decoding.

Cases isolate one thing each. A bidirectional layer is checked with one direction's weights zero (its
half of the states is 0), on a sequence that reads the same backwards (where forgetting to reverse the
input does not matter), and with T = 1 (where no reversal matters); its backward pass with only one half
of dh non-zero. Attention is checked with and without padding and with one source position. The model is
checked without attention, with it, with padded sources and with h0 = 0; its decoding free running and
teacher forced. Which cases fail, and how the halves of a result compare with the reference's, name the
likely mistake.
"""

import numpy as np

from .core import (
    TOLERANCE,
    Case,
    Exercise,
    Mismatch,
    call_unchanged,
    model_loss_outputs,
    normwise_error,
    snapshot,
    unpack,
)
from .inputs import array, gru_params, lstm_params, random_state

NOTEBOOK = "10_sequence_to_sequence"
MODULE = "seq2seq"

NAMES = {"gru": ("Wx", "Wh", "bx", "bh"), "lstm": ("Wx", "Wh", "b")}


def _close(actual, expected):
    actual = np.asarray(actual, dtype=np.float64)
    return actual.shape == expected.shape and normwise_error(actual, expected) < TOLERANCE


def _bad_outputs(report):
    return {out for outs in report.bad.values() for out in outs}


def _actual(report, case, name, expected):
    """The student's output `name` in `case` as a float array, or None if missing or of another shape."""
    value = report.actual.get(case, {}).get(name)
    if value is None or np.shape(value) != expected.shape:
        return None
    return np.asarray(value, dtype=np.float64)


def direction_weights(cell, D, H, seed, zero=False):
    """One direction's weights as the tuple rnn_layers takes: (Wx, Wh, bx, bh) or (Wx, Wh, b)."""
    params = (gru_params if cell == "gru" else lstm_params)(D, H, seed)
    weights = tuple(params[name] for name in NAMES[cell])
    return tuple(np.zeros_like(w) for w in weights) if zero else weights


def _direction_grads(value, cell, what):
    """The gradients of one direction's weights, as a tuple like the weights (Mismatch otherwise)."""
    names = NAMES[cell]
    order = ", ".join(f"d{n}" for n in names)
    if not isinstance(value, tuple | list) or len(value) != len(names):
        got = f"{len(value)} values" if isinstance(value, tuple | list) else f"a {type(value).__name__}"
        raise Mismatch(f"{what} should be a tuple ({order}) like the {cell.upper()}'s weights, got {got}")
    return value


def _same_twice(fn, first, again):
    """Mismatch unless two calls of a backward with the same cache gave the same arrays."""
    flat_first, flat_again = _flatten(first), _flatten(again)
    if len(flat_first) != len(flat_again) or not all(
        np.array_equal(np.asarray(a), np.asarray(b)) for a, b in zip(flat_first, flat_again, strict=True)
    ):
        raise Mismatch(f"{fn.__name__} gives a different result when called twice with the same cache")


def _flatten(obj):
    if isinstance(obj, tuple | list):
        return [a for o in obj for a in _flatten(o)]
    return [obj]


# ------------------------------------------------------------------------------- bidirectional layers
B_ONE = "T = 1 (a single step: reversing changes nothing)"
B_FORWARD_ONLY = "weights_backward are all zero (the backward half of h is 0)"
B_BACKWARD_ONLY = "weights_forward are all zero (the forward half of h is 0)"
B_PALINDROME = "x reads the same backwards (x[:, ::-1] equals x)"
B_GRU = "GRU directions, all terms on"
B_LSTM = "LSTM directions, all terms on"

BF_CASES = (
    ("b_one", B_ONE),
    ("b_forward_only", B_FORWARD_ONLY),
    ("b_backward_only", B_BACKWARD_ONLY),
    ("b_palindrome", B_PALINDROME),
    ("b_gru", B_GRU),
    ("b_lstm", B_LSTM),
)

# Backward: the upstream gradient of one half only
G_ONE = "T = 1 (a single step: reversing changes nothing)"
G_FORWARD_HALF = "only the forward half of dh is non-zero (dh[:, :, H:] = 0)"
G_BACKWARD_HALF = "only the backward half of dh is non-zero (dh[:, :, :H] = 0)"
G_GRU = "GRU directions, both halves of dh non-zero"
G_LSTM = "LSTM directions, both halves of dh non-zero"

BB_CASES = (
    ("g_one", G_ONE),
    ("g_forward_half", G_FORWARD_HALF),
    ("g_backward_half", G_BACKWARD_HALF),
    ("g_gru", G_GRU),
    ("g_lstm", G_LSTM),
)


def bidirectional_inputs(case, seed, N=2, T=5, D=3, H=4):
    cell = "lstm" if case in (B_LSTM, G_LSTM) else "gru"
    if case in (B_ONE, G_ONE):
        T = 1
    x = array(seed, N, T, D)
    if case == B_PALINDROME:
        x = 0.7 * (x + x[:, ::-1])  # exactly symmetric: a + b == b + a in floating point
    dh = array(seed + 1, N, T, 2 * H)
    if case == G_FORWARD_HALF:
        dh[:, :, H:] = 0.0
    if case == G_BACKWARD_HALF:
        dh[:, :, :H] = 0.0
    return {
        "x": x,
        "weights_forward": direction_weights(cell, D, H, seed + 10, zero=case == B_BACKWARD_ONLY),
        "weights_backward": direction_weights(cell, D, H, seed + 20, zero=case == B_FORWARD_ONLY),
        "cell": cell,
        "dh": dh,
    }


BF_ARGS = ("x", "weights_forward", "weights_backward", "cell")


def _bidirectional_forward(module, k):
    args = [k[a] for a in BF_ARGS]
    return unpack(call_unchanged(module.bidirectional_forward, args, BF_ARGS), 2, "h, cache")


def _run_bidirectional_forward(module, k):
    return {"h": _bidirectional_forward(module, k)[0]}


def _diagnose_bidirectional_forward(report, refs):
    ref = refs[B_GRU]["h"]
    H = ref.shape[2] // 2
    value = report.actual.get(B_GRU, {}).get("h")
    if value is not None and np.shape(value) != ref.shape:
        if np.shape(value)[-1:] == (H,):
            return (
                "h holds both directions' states: concatenate [forward | backward] on the last axis, "
                "(N, T, 2H)."
            )
        return "h has shape (N, T, 2H): at every step, the two directions' states side by side (last axis)."
    h = _actual(report, B_GRU, "h", ref)
    if h is None:
        return None
    if _close(h[..., :H], ref[..., H:]) and _close(h[..., H:], ref[..., :H]):
        return "The halves are swapped: h is [forward | backward], the forward direction's states first."
    if not _close(h[..., :H], ref[..., :H]):
        forward_only = _actual(report, B_BACKWARD_ONLY, "h", refs[B_BACKWARD_ONLY]["h"])
        if forward_only is not None and np.abs(forward_only[..., :H]).max() > 0:
            return (
                "With weights_forward all zero the forward half must be 0, and yours is not: the forward "
                "direction runs with weights_forward, the backward one with weights_backward."
            )
        return (
            "The forward half h[:, :, :H] is wrong: it is the states of "
            "recurrent_forward(cell, x, weights_forward)."
        )
    if _close(h[..., H:][:, ::-1], ref[..., H:]):
        return (
            "The backward half is in the wrong order: the backward direction's states come out in the order "
            "it read them (from the end); turn them back with [:, ::-1] so that h[:, t] belongs to x[:, t]."
        )
    backward_only = _actual(report, B_FORWARD_ONLY, "h", refs[B_FORWARD_ONLY]["h"])
    if backward_only is not None and np.abs(backward_only[..., H:]).max() > 0:
        return (
            "With weights_backward all zero the backward half must be 0, and yours is not: the backward "
            "direction runs with weights_backward, not weights_forward."
        )
    if report.failed(B_ONE):
        return (
            "Even with T = 1 the backward half is wrong: reverse the time axis, x[:, ::-1] (axis 1), not "
            "the batch (x[::-1])."
        )
    if not report.failed(B_PALINDROME):
        return (
            "Right when x reads the same backwards, wrong otherwise: the backward direction must read x "
            "reversed in time, recurrent_forward(cell, x[:, ::-1], weights_backward)."
        )
    return (
        "The forward half is right, the backward half is not: recurrent_forward(cell, x[:, ::-1], "
        "weights_backward), then its states reversed back ([:, ::-1])."
    )


bidirectional_forward = Exercise(
    name="bidirectional_forward",
    notebook=NOTEBOOK,
    module=MODULE,
    run=_run_bidirectional_forward,
    cases=[
        Case(key, case, lambda case=case: bidirectional_inputs(case, seed=1500)) for key, case in BF_CASES
    ],
    diagnose=_diagnose_bidirectional_forward,
    needs=("lstm_forward", "gru_forward"),
)


def _grad_names(cell, direction):
    return [f"d{name}_{direction}" for name in NAMES[cell]]


def _run_bidirectional_backward(module, k):
    h, cache = _bidirectional_forward(module, k)
    fn = module.bidirectional_backward
    what = "dx, dweights_forward, dweights_backward"
    before = snapshot([k["dh"], cache])
    first = unpack(call_unchanged(fn, [k["dh"], cache], ("dh", "cache")), 3, what)
    _same_twice(fn, first, unpack(fn(*before), 3, what))
    dx, dforward, dbackward = first
    cell = k["cell"]
    outputs = {"h": h, "dx": dx}
    for direction, grads in (("forward", dforward), ("backward", dbackward)):
        grads = _direction_grads(grads, cell, f"dweights_{direction}")
        outputs.update(zip(_grad_names(cell, direction), grads, strict=True))
    return outputs


def _direction_matches(report, case, refs, mine, theirs):
    """True if the student's grads of direction `mine` equal the reference's of direction `theirs`."""
    names = [n for n in refs[case] if f"_{mine}" in n]
    for name in names:
        other = name.replace(f"_{mine}", f"_{theirs}")
        value = _actual(report, case, name, refs[case][other])
        if value is None or not _close(value, refs[case][other]):
            return False
    return bool(names)


def _any_nonzero(report, case, refs, suffix):
    return any(
        (value := _actual(report, case, name, refs[case][name])) is not None and np.abs(value).max() > 0
        for name in refs[case]
        if name.endswith(suffix)
    )


def _diagnose_bidirectional_backward(report, refs):
    bad = _bad_outputs(report)
    if "h" in bad:
        return "The forward pass is wrong on these inputs: fix bidirectional_forward first."
    if _direction_matches(report, G_GRU, refs, "forward", "backward") and _direction_matches(
        report, G_GRU, refs, "backward", "forward"
    ):
        return (
            "dweights_forward and dweights_backward are swapped: return dx, dweights_forward, "
            "dweights_backward, in that order."
        )
    forward_bad = any(name.endswith("_forward") for name in bad)
    backward_bad = any(name.endswith("_backward") for name in bad)
    if bad == {"dx"}:
        ref = refs[G_BACKWARD_HALF]["dx"]
        dx = _actual(report, G_BACKWARD_HALF, "dx", ref)
        if dx is not None and not np.any(dx):
            return (
                "dx misses the backward direction: both directions read x, so dx is the sum of both "
                "directions' dx (the backward one reversed back in time)."
            )
        if dx is not None and _close(dx[:, ::-1], ref):
            return (
                "The backward direction's dx is in reversed time order: it read x[:, ::-1], so reverse "
                "its dx back ([:, ::-1]) before adding it to the forward direction's."
            )
        return "dx is the sum of both directions' dx, the backward direction's reversed back in time."
    if _any_nonzero(report, G_FORWARD_HALF, refs, "_backward") or _any_nonzero(
        report, G_BACKWARD_HALF, refs, "_forward"
    ):
        return (
            "A direction gets the other's half of dh: the forward direction's states are h[:, :, :H], so "
            "its upstream gradient is dh[:, :, :H]; the backward direction's is dh[:, :, H:]."
        )
    if backward_bad and not forward_bad:
        return (
            "The forward direction is right, the backward one is not: it read x reversed, so its half of "
            "dh must be reversed too (dh[:, ::-1, H:]) before recurrent_backward."
        )
    return (
        "Split dh into dh[:, :, :H] (forward) and dh[:, :, H:] (backward, reversed in time), "
        "recurrent_backward each with its own cache, and add up the two dx."
    )


bidirectional_backward = Exercise(
    name="bidirectional_backward",
    notebook=NOTEBOOK,
    module=MODULE,
    run=_run_bidirectional_backward,
    cases=[
        Case(key, case, lambda case=case: bidirectional_inputs(case, seed=1530)) for key, case in BB_CASES
    ],
    diagnose=_diagnose_bidirectional_backward,
    needs=("lstm_forward", "lstm_backward", "gru_forward", "gru_backward", "bidirectional_forward"),
)


# ---------------------------------------------------------------------------------- stacked layers
# Every layer after the first reads 2H features; with D = 2H a layer given the wrong input still runs,
# so a mistake in what flows between the layers gives wrong numbers that a hint can explain (rather
# than a shape error raised inside bidirectional_forward).
S_ONE_LAYER = "one layer (the same as bidirectional_forward)"
S_TWO = "two layers"
S_THREE = "three layers"
S_LSTM = "two layers of LSTMs"

S_CASES = (("s_one_layer", S_ONE_LAYER), ("s_two", S_TWO), ("s_three", S_THREE), ("s_lstm", S_LSTM))


def stacked_inputs(case, seed, N=2, T=4, H=3):
    cell = "lstm" if case == S_LSTM else "gru"
    count = {S_ONE_LAYER: 1, S_THREE: 3}.get(case, 2)
    D = 5 if case == S_ONE_LAYER else 2 * H
    layers = [
        (
            direction_weights(cell, D if layer == 0 else 2 * H, H, seed + 20 * layer + 10),
            direction_weights(cell, D if layer == 0 else 2 * H, H, seed + 20 * layer + 20),
        )
        for layer in range(count)
    ]
    return {"x": array(seed, N, T, D), "layers": layers, "cell": cell, "dh": array(seed + 1, N, T, 2 * H)}


S_ARGS = ("x", "layers", "cell")


def _stacked_forward(module, k):
    args = [k[a] for a in S_ARGS]
    return unpack(call_unchanged(module.stacked_forward, args, S_ARGS), 2, "h, cache")


def _run_stacked_forward(module, k):
    return {"h": _stacked_forward(module, k)[0]}


def _diagnose_stacked_forward(report, refs):
    ref = refs[S_TWO]["h"]
    value = report.actual.get(S_TWO, {}).get("h")
    if value is not None and np.shape(value) != ref.shape:
        return "h is the top layer's states, (N, T, 2H), as bidirectional_forward returns them."
    if report.failed(S_ONE_LAYER):
        return (
            "Even one layer is wrong: with one layer this is bidirectional_forward(x, weights_forward, "
            "weights_backward, cell), each layer being the pair (weights_forward, weights_backward)."
        )
    if report.failed(S_LSTM) and not (report.failed(S_TWO) or report.failed(S_THREE)):
        return "Right for GRUs, wrong for LSTMs: pass cell on to every bidirectional_forward call."
    return (
        "Right for one layer, wrong for more: the layers run bottom first, each reading the states of the "
        "layer below (the first reads x), and h is the top layer's states."
    )


stacked_forward = Exercise(
    name="stacked_forward",
    notebook=NOTEBOOK,
    module=MODULE,
    run=_run_stacked_forward,
    cases=[Case(key, case, lambda case=case: stacked_inputs(case, seed=1560)) for key, case in S_CASES],
    diagnose=_diagnose_stacked_forward,
    needs=("lstm_forward", "gru_forward", "bidirectional_forward"),
)


def _layer_grad_names(cell, layer):
    return {
        direction: [f"{name} (layer {layer})" for name in _grad_names(cell, direction)]
        for direction in ("forward", "backward")
    }


def _run_stacked_backward(module, k):
    h, cache = _stacked_forward(module, k)
    fn = module.stacked_backward
    before = snapshot([k["dh"], cache])
    first = unpack(call_unchanged(fn, [k["dh"], cache], ("dh", "cache")), 2, "dx, dlayers")
    _same_twice(fn, first, unpack(fn(*before), 2, "dx, dlayers"))
    dx, dlayers = first
    count, cell = len(k["layers"]), k["cell"]
    if not isinstance(dlayers, list | tuple) or len(dlayers) != count:
        got = f"{len(dlayers)}" if isinstance(dlayers, list | tuple) else f"a {type(dlayers).__name__}"
        raise Mismatch(
            f"dlayers should hold one (dweights_forward, dweights_backward) per layer ({count}), got {got}"
        )
    outputs = {"h": h, "dx": dx}
    for layer, pair in enumerate(dlayers):
        pair = unpack(
            tuple(pair) if isinstance(pair, list) else pair, 2, "dweights_forward, dweights_backward"
        )
        names = _layer_grad_names(cell, layer)
        for direction, grads in zip(("forward", "backward"), pair, strict=True):
            grads = _direction_grads(grads, cell, f"dlayers[{layer}]'s dweights_{direction}")
            outputs.update(zip(names[direction], grads, strict=True))
    return outputs


def _layers_reversed(report, case, refs):
    """True if the student's layer gradients are the reference's with the layers in reverse order."""
    expected = refs[case]
    count = sum(1 for name in expected if name.startswith("dWx_forward (layer"))
    for name, ref in expected.items():
        if "(layer " not in name:
            continue
        layer = int(name.split("(layer ")[1].rstrip(")"))
        other = name.replace(f"(layer {layer})", f"(layer {count - 1 - layer})")
        value = _actual(report, case, other, ref)
        if value is None or not _close(value, ref):
            return False
    return True


def _diagnose_stacked_backward(report, refs):
    bad = _bad_outputs(report)
    if "h" in bad:
        return "The forward pass is wrong on these inputs: fix stacked_forward first."
    if "dx" not in bad and _layers_reversed(report, S_THREE, refs):
        return (
            "dlayers is top layer first: you walk the layers from the top down, so reverse the list of "
            "gradients before returning it (bottom first, as layers)."
        )
    if "dx" not in bad and all(
        _direction_matches(report, S_THREE, refs, mine, theirs)
        for mine, theirs in (("forward", "backward"), ("backward", "forward"))
    ):
        return "Each entry of dlayers is (dweights_forward, dweights_backward), in that order."
    if report.failed(S_ONE_LAYER):
        return (
            "Even one layer is wrong: with one layer this is one bidirectional_backward(dh, cache[0]) "
            "call, its dx and [(dweights_forward, dweights_backward)]."
        )
    top = [name for name in refs[S_THREE] if name.endswith("(layer 2)")]
    if not any(report.failed(S_THREE, name) for name in top):
        return (
            "The top layer is right, the layers below are not: each layer's dx is the upstream gradient "
            "(dh) of the layer below, and the last dx is the gradient of x."
        )
    return (
        "Right for one layer, wrong for more: walk the layers from the top down (reversed(cache)); the top "
        "layer gets dh, and each layer's dx is the dh of the layer below."
    )


stacked_backward = Exercise(
    name="stacked_backward",
    notebook=NOTEBOOK,
    module=MODULE,
    run=_run_stacked_backward,
    cases=[Case(key, case, lambda case=case: stacked_inputs(case, seed=1640)) for key, case in S_CASES],
    diagnose=_diagnose_stacked_backward,
    needs=(
        "lstm_forward",
        "lstm_backward",
        "gru_forward",
        "gru_backward",
        "bidirectional_forward",
        "bidirectional_backward",
        "stacked_forward",
    ),
)


# ------------------------------------------------------------------------------- source attention
A_FULL = "no padding (mask all True)"
A_PADDED = "padding at the ends of some sources (mask False there)"
A_ONE_SOURCE = "S = 1 (a single source position: its weight is 1)"
A_ONE_STEP = "T = 1 (a single decoder step)"
A_LARGE = "large scores (up to ~1e4), no padding"

A_CASES = (
    ("a_full", A_FULL),
    ("a_padded", A_PADDED),
    ("a_one_source", A_ONE_SOURCE),
    ("a_one_step", A_ONE_STEP),
    ("a_large", A_LARGE),
)


def attention_inputs(case, seed, N=3, T=4, S=5, H=4, E=6):
    if case == A_ONE_SOURCE:
        S = 1
    if case == A_ONE_STEP:
        T = 1
    mask = np.ones((N, S), dtype=bool)
    if case == A_PADDED:
        mask[0, 3:] = False
        mask[2, 1:] = False
    k = {
        "h": array(seed, N, T, H),
        "states": array(seed + 1, N, S, E),
        "mask": mask,
        "Wa": array(seed + 2, H, E, scale=0.5),
        "dcontext": array(seed + 3, N, T, E),
    }
    if case == A_LARGE:
        k["h"] = 1e3 * k["h"]
    return k


A_ARGS = ("h", "states", "mask", "Wa")


def _attention_forward(module, k):
    args = [k[a] for a in A_ARGS]
    result, cache = unpack(
        call_unchanged(module.source_attention_forward, args, A_ARGS), 2, "(context, weights), cache"
    )
    context, weights = unpack(result, 2, "context, weights")
    return context, weights, cache


def _run_attention_forward(module, k):
    context, weights, _ = _attention_forward(module, k)
    return {"context": context, "weights": weights}


def _diagnose_attention_forward(report, refs):
    bad = _bad_outputs(report)
    weights = report.actual.get(A_FULL, {}).get("weights")
    if weights is not None and np.shape(weights) == refs[A_FULL]["weights"].shape:
        weights = np.asarray(weights, dtype=np.float64)
        if not np.allclose(weights.sum(axis=2), 1) and np.allclose(weights.sum(axis=1), 1):
            return (
                "The weights sum to 1 over the target steps: the softmax goes over the source positions, "
                "the last axis of (N, T, S)."
            )
    if report.failed(A_PADDED) and not report.failed(A_FULL):
        padded = _actual(report, A_PADDED, "weights", refs[A_PADDED]["weights"])
        if padded is not None and not np.allclose(padded.sum(axis=2), 1):
            return (
                "Right without padding, wrong with it, and the weights no longer sum to 1: mask the scores "
                "before the softmax (-np.inf where mask is False), not the weights after it."
            )
        return (
            "Right without padding, wrong with it: the weights must be 0 at padding, so set those scores "
            "to -np.inf before the softmax (a score of 0 still gets the weight exp(0) / sum)."
        )
    if report.failed(A_LARGE) and len(report.bad) == 1:
        return "Wrong only for large scores: subtract each row's maximum score before np.exp."
    if "weights" not in bad:
        return (
            "The weights are right but the context is not: context[n, t] = sum_s weights[n, t, s] * "
            "states[n, s], with the normalised weights (not the exponentials or the scores)."
        )
    if not report.failed(A_ONE_SOURCE, "weights"):
        return (
            "Check the scores: states[n, s] . (h[n, t] @ Wa), divided by sqrt(E) (E = states.shape[2], the "
            "size of a state, not H)."
        )
    return (
        "weights = softmax over the S source positions of the scores; context = their weighted sum of "
        "the states."
    )


source_attention_forward = Exercise(
    name="source_attention_forward",
    notebook=NOTEBOOK,
    module=MODULE,
    run=_run_attention_forward,
    cases=[Case(key, case, lambda case=case: attention_inputs(case, seed=1700)) for key, case in A_CASES],
    diagnose=_diagnose_attention_forward,
    stability=(
        "subtract each row's maximum score before np.exp, and take the softmax over the source positions, "
        "the last axis (over another axis, the -inf scores of padding give -inf - (-inf) = NaN)"
    ),
)

A_GRADS = ("dh", "dstates", "dWa")


def _run_attention_backward(module, k):
    context, weights, cache = _attention_forward(module, k)
    fn = module.source_attention_backward
    before = snapshot([k["dcontext"], cache])
    first = unpack(call_unchanged(fn, [k["dcontext"], cache], ("dcontext", "cache")), 3, ", ".join(A_GRADS))
    _same_twice(fn, first, unpack(fn(*before), 3, ", ".join(A_GRADS)))
    grads = dict(zip(A_GRADS, first, strict=True))
    if k["states"].shape[1] == 1:
        # One source position: its weight is 1 whatever the scores, so dh and dWa are 0 in exact
        # arithmetic and rounding noise in practice (relative to 0, any noise is a 100% error).
        for name in ("dh", "dWa"):
            grads[name] = np.round(np.asarray(grads[name], dtype=np.float64), 10)
    return {"context": context, "weights": weights, **grads}


def _diagnose_attention_backward(report, refs):
    bad = _bad_outputs(report)
    if bad & {"context", "weights"}:
        return "The forward pass is wrong on these inputs: fix source_attention_forward first."
    dh = _actual(report, A_ONE_SOURCE, "dh", refs[A_ONE_SOURCE]["dh"])
    if dh is not None and np.abs(dh).max() > 1e-9:
        return (
            "With one source position its weight is 1 whatever the scores, so dh must be 0, and yours is "
            "not: through the softmax, dscores = weights * (dweights - the sum over s of weights * dweights)."
        )
    if bad == {"dstates"}:
        return (
            "Each state is used twice, averaged into the context and scored against the query: dstates "
            "adds weights[n, t, s] * dcontext[n, t] and dscores[n, t, s] * q[n, t] / sqrt(E), summed over t."
        )
    if "dstates" not in bad:
        return (
            "From dq[n, t] = sum_s dscores[n, t, s] * states[n, s] / sqrt(E): dh = dq @ Wa.T, and dWa sums "
            "h[n, t]^T dq[n, t] over every n and t."
        )
    return (
        "dweights = dcontext . states; dscores through the softmax; then dq, dh, dWa, and dstates from "
        "both the context and the scores (divided by sqrt(E), as in the forward pass)."
    )


source_attention_backward = Exercise(
    name="source_attention_backward",
    notebook=NOTEBOOK,
    module=MODULE,
    run=_run_attention_backward,
    cases=[
        Case(key, case, lambda case=case: attention_inputs(case, seed=1730))
        for key, case in A_CASES
        if case != A_LARGE
    ],
    diagnose=_diagnose_attention_backward,
    needs=("source_attention_forward",),
)


# ------------------------------------------------------------------------------------- the model
L_PLAIN = "a one-direction GRU encoder, no attention"
L_ATTENTION = "a bidirectional GRU encoder with attention, no padding"
L_PADDED = "two bidirectional GRU layers with attention, sources padded at the end"
L_LSTM = "a bidirectional LSTM encoder, no attention, sources padded"
L_ZERO_H0 = "W_init = 0 and b_init = 0 (the decoder starts from h0 = 0), with attention, no padding"
L_ONE = "T = 1 (one target character), with attention"

L_CASES = (
    ("l_plain", L_PLAIN),
    ("l_attention", L_ATTENTION),
    ("l_padded", L_PADDED),
    ("l_lstm", L_LSTM),
    ("l_zero_h0", L_ZERO_H0),
    ("l_one", L_ONE),
)
ATTENTION_CASES = (L_ATTENTION, L_PADDED, L_ZERO_H0, L_ONE)
SOURCE_SIZE, TARGET_SIZE, CHAR_DIM, HIDDEN_DIM = 7, 6, 3, 4


def _sources(seed, N, S, lengths):
    """Source characters 1..Vs-1, padded with 0 after each row's length."""
    sources = random_state(seed).randint(1, SOURCE_SIZE, size=(N, S))
    for row, length in enumerate(lengths):
        sources[row, length:] = 0
    return sources


def _targets(seed, N, T):
    """<start> (0), then T characters 1..Vt-1."""
    targets = random_state(seed).randint(1, TARGET_SIZE, size=(N, T + 1))
    targets[:, 0] = 0
    return targets


def _model(module, config, seed, scale=0.5, embed_scale=1.0):
    """The student's Seq2Seq, float64, its parameters set from a fixed seed (not its own init)."""
    model = module.Seq2Seq(SOURCE_SIZE, TARGET_SIZE, CHAR_DIM, HIDDEN_DIM, dtype=np.float64, seed=0, **config)
    params = {}
    for i, name in enumerate(sorted(model.params)):
        shape = np.shape(model.params[name])
        params[name] = array(seed + i, *shape, scale=embed_scale if name in ("W_src", "W_tgt") else scale)
    model.params = params
    return model


def _config(bidirectional=True, num_layers=1, attention=True, cell="gru"):
    return {"cell": cell, "bidirectional": bidirectional, "num_layers": num_layers, "attention": attention}


def loss_inputs(case, seed=1800):
    N, S, T = 3, 5, 4
    config = _config()
    lengths = (S, S, S)
    if case == L_PLAIN:
        config, lengths = _config(bidirectional=False, attention=False), (S, 3, 2)
    if case == L_PADDED:
        config, lengths = _config(num_layers=2), (S, 3, 1)
    if case == L_LSTM:
        config, lengths = _config(cell="lstm", attention=False), (2, S, 4)
    if case == L_ONE:
        T = 1
    return {
        "sources": _sources(seed, N, S, lengths),
        "targets": _targets(seed + 1, N, T),
        "config": config,
        "zero_h0": case == L_ZERO_H0,
        "seed": seed + 2,
    }


def _loss_model(module, k):
    model = _model(module, k["config"], k["seed"])
    if k["zero_h0"]:
        model.params["W_init"] = np.zeros_like(model.params["W_init"])
        model.params["b_init"] = np.zeros_like(model.params["b_init"])
    return model


def _run_loss(module, k):
    model = _loss_model(module, k)
    return model_loss_outputs(model, [k["sources"], k["targets"]], ("sources", "targets"))


def _encoder_grad(name):
    return name in ("dW_src", "dW_init", "db_init") or name.startswith("denc")


def _diagnose_loss(report, refs):
    bad = _bad_outputs(report)
    failed = set(report.bad)
    if report.failed(L_PLAIN, "loss") or report.failed(L_LSTM, "loss"):
        if not report.failed(L_ZERO_H0, "loss"):
            return (
                "Right only when h0 = 0: the decoder starts from the h0 that self.encode returns "
                "(gru_forward(x, h0, ...)), not from zeros."
            )
        return (
            "The loss is wrong even without attention: the decoder reads targets[:, :-1] (from <start>, "
            "index 0) and is scored on targets[:, 1:], the characters that follow."
        )
    if "loss" in bad:
        if failed == {L_PADDED}:
            return (
                "Right without padding, wrong with it: attend with the mask that self.encode returns "
                "(False at padding)."
            )
        return (
            "Right without attention, wrong with it: the attentional state is tanh([context | h] @ W_att + "
            "b_att) (the context first, then h), and the scores read it instead of h."
        )
    if all(_encoder_grad(name) for name in bad):
        if failed <= set(ATTENTION_CASES):
            return (
                "The encoder's gradients miss the attention's path: pass the dstates that "
                "source_attention_backward returns to self.encode_backward(dstates, dh0, cache)."
            )
        return (
            "The encoder's gradients are wrong: self.encode_backward(dstates, dh0, cache) needs dh0, the "
            "gradient of the decoder's first state that gru_backward returns."
        )
    if failed <= set(ATTENTION_CASES):
        if bad & {"dW_att", "db_att", "dWa"}:
            return (
                "Back through the attentional state: its tanh's derivative (1 - top**2) first, then "
                "temporal_affine_backward; the context's part of the gradient goes to "
                "source_attention_backward."
            )
        return (
            "h is used twice with attention, in [context | h] and as the query of the attention: its "
            "gradient is the h part of [context | h]'s gradient plus the dh that "
            "source_attention_backward returns."
        )
    return "Some gradients are wrong: go back through the layers in the reverse order of the forward pass."


model_loss = Exercise(
    name="Seq2Seq.loss",
    notebook=NOTEBOOK,
    module=MODULE,
    run=_run_loss,
    cases=[Case(key, case, lambda case=case: loss_inputs(case)) for key, case in L_CASES],
    diagnose=_diagnose_loss,
    needs=(
        "lstm_forward",
        "lstm_backward",
        "word_embedding_forward",
        "word_embedding_backward",
        "temporal_softmax_loss",
        "gru_forward",
        "gru_backward",
        "bidirectional_forward",
        "bidirectional_backward",
        "stacked_forward",
        "stacked_backward",
        "source_attention_forward",
        "source_attention_backward",
    ),
)


D_FREE = "free running, with attention, sources padded"
D_FORCED = "teacher forced (targets given), with attention, sources padded"
D_FREE_FULL = "free running, with attention, no padding"
D_FREE_PLAIN = "free running, no attention"
D_FORCED_PLAIN = "teacher forced (targets given), no attention"

D_CASES = (
    ("d_free", D_FREE),
    ("d_forced", D_FORCED),
    ("d_free_full", D_FREE_FULL),
    ("d_free_plain", D_FREE_PLAIN),
    ("d_forced_plain", D_FORCED_PLAIN),
)
FREE, FORCED = (D_FREE, D_FREE_FULL, D_FREE_PLAIN), (D_FORCED, D_FORCED_PLAIN)
PLAIN = (D_FREE_PLAIN, D_FORCED_PLAIN)


# Seeds under which every step's choice depends on the character read (so that reading the wrong one shows)
D_SEEDS = {D_FREE: 2070, D_FORCED: 1970, D_FREE_FULL: 1920, D_FREE_PLAIN: 2000, D_FORCED_PLAIN: 2090}


def decode_inputs(case):
    seed, N, S, T = D_SEEDS[case], 4, 5, 6
    lengths = (S, S, S, S) if case == D_FREE_FULL else (S, 3, 1, 4)
    config = _config(attention=case not in PLAIN)
    return {
        "sources": _sources(seed, N, S, lengths),
        "length": T,
        "targets": _targets(seed + 1, N, T) if case in FORCED else None,
        "config": config,
        "seed": seed + 2,
    }


def _run_decode(module, k):
    # Larger weights than the loss's, so that the character chosen depends on the one read; like a
    # trained model, never write <start>.
    model = _model(module, k["config"], k["seed"], scale=1.5, embed_scale=2.0)
    model.params["b_out"][0] = -20.0
    args, names = [k["sources"], k["length"]], ["sources", "length"]
    if k["targets"] is not None:
        args, names = [*args, k["targets"]], [*names, "targets"]
    predicted, weights = unpack(call_unchanged(model.decode, args, names), 2, "predicted, weights")
    predicted = np.asarray(predicted)
    if not np.issubdtype(predicted.dtype, np.integer):
        raise Mismatch(f"predicted should hold character indices (integers), got dtype {predicted.dtype}")
    outputs = {"predicted": predicted.astype(np.float64)}
    if k["config"]["attention"]:
        outputs["weights"] = weights
    elif weights is not None:
        raise Mismatch("weights should be None without attention (there are no attention weights)")
    return outputs


def _first_wrong_step(report, case, refs):
    predicted = _actual(report, case, "predicted", refs[case]["predicted"])
    if predicted is None:
        return None
    wrong = np.any(predicted != refs[case]["predicted"], axis=0)
    return int(np.argmax(wrong)) if wrong.any() else None


def _diagnose_decode(report, refs):
    value = report.actual.get(D_FREE, {}).get("predicted")
    if value is not None and np.shape(value) != refs[D_FREE]["predicted"].shape:
        return "predicted has one row per source and length columns: the character chosen at every step."
    bad = _bad_outputs(report)
    if bad == {"weights"}:
        return (
            "The characters are right but the weights are not: weights[:, t] holds the attention weights "
            "of step t (source_attention_forward's for that step's h)."
        )
    failed = set(report.bad)
    if failed <= set(FORCED):
        first = [_first_wrong_step(report, case, refs) for case in failed]
        if 0 in first:
            return (
                "Teacher forced, the first character is already wrong: step t reads targets[:, t], so the "
                "first step reads targets[:, 0], <start> (as loss reads targets[:, :-1])."
            )
        return (
            "Right free running, wrong teacher forced: when targets are given, each step reads the true "
            "previous character targets[:, t], never its own prediction."
        )
    if failed <= {D_FREE, D_FORCED}:
        return "Right without padding, wrong with it: attend with the mask that self.encode returns."
    if failed <= set(FREE):
        return (
            "Right teacher forced, wrong free running: without targets each step reads the character "
            "predicted at the step before (the first reads <start>, index 0)."
        )
    if not failed & set(PLAIN):
        return (
            "Right without attention, wrong with it: after each GRU step, the context for the new h "
            "(source_attention_forward(h[:, None], states, mask, Wa)) and the attentional state "
            "tanh([context | h] @ W_att + b_att) give the scores."
        )
    if all(_first_wrong_step(report, case, refs) == 0 for case in failed):
        return (
            "The first character is already wrong: the decoder starts from the h0 that self.encode returns, "
            "reads <start> (index 0), and picks the character with the highest score."
        )
    return (
        "The state h carries over from step to step: each gru_step_forward starts from the h the step "
        "before returned."
    )


model_decode = Exercise(
    name="Seq2Seq.decode",
    notebook=NOTEBOOK,
    module=MODULE,
    run=_run_decode,
    cases=[Case(key, case, lambda case=case: decode_inputs(case)) for key, case in D_CASES],
    diagnose=_diagnose_decode,
    needs=(
        "word_embedding_forward",
        "gru_step_forward",
        "gru_forward",
        "bidirectional_forward",
        "stacked_forward",
        "source_attention_forward",
    ),
)

EXERCISES = [
    bidirectional_forward,
    bidirectional_backward,
    stacked_forward,
    stacked_backward,
    source_attention_forward,
    source_attention_backward,
    model_loss,
    model_decode,
]
