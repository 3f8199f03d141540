"""Realistic wrong versions of the attention exercises (notebook 9): edits of the reference solution's own
text (tests/mutants.py's `edited`)."""

from tests.mutants import Mutant, edited


def mutant(function, name, hint, *pairs):
    return Mutant(
        function, name, edited(function, *pairs, module="attention_layers"), hint, module="attention_layers"
    )


SOFTMAX = """    exp = np.exp(scores - scores.max(axis=1, keepdims=True))
    weights = exp / exp.sum(axis=1, keepdims=True)"""
GATES = "context @ Wc + b\n    i = sigmoid(a[:, :H])\n    f = sigmoid(a[:, H : 2 * H])"
SWAPPED = "context @ Wc + b\n    f = sigmoid(a[:, :H])\n    i = sigmoid(a[:, H : 2 * H])"
STEP_INPUT = "            dh[:, t] + dprev_h, dprev_c, cache[t]"

ATTENTION_MUTANTS = [
    mutant(
        "attention_forward",
        "softmax over the batch axis",
        "softmax goes over the regions",
        (SOFTMAX, SOFTMAX.replace("axis=1", "axis=0")),
    ),
    mutant(
        "attention_forward",
        "context from the unnormalised exponentials",
        "with the normalised weights",
        (
            'context = np.einsum("nl,nlr->nr", weights, regions)',
            'context = np.einsum("nl,nlr->nr", exp, regions)',
        ),
    ),
    mutant(
        "attention_forward",
        "scores not scaled by sqrt(R)",
        "divided by sqrt(R)",
        (" / R**0.5  # a Python float keeps float32 as float32", ""),
    ),
    mutant(
        "attention_forward",
        "no maximum subtracted before exp",
        "stable for large inputs",
        ("np.exp(scores - scores.max(axis=1, keepdims=True))", "np.exp(scores)"),
    ),
    mutant(
        "attention_backward",
        "softmax gradient without the - sum(w * dw) term",
        "dh must be 0",
        (
            "dscores = weights * (dweights - np.sum(weights * dweights, axis=1, keepdims=True))",
            "dscores = weights * dweights",
        ),
    ),
    mutant(
        "attention_backward",
        "the context's gradient does not reach the regions",
        "Each region is used twice",
        ("weights[:, :, None] * dcontext[:, None, :] + dscores", "dscores"),
    ),
    mutant(
        "attention_backward",
        "dWa from the wrong product",
        "dWa = h.T @ dq",
        ("dWa = h.T @ dq", "dWa = h.T @ dq / np.sqrt(R)"),
    ),
    mutant(
        "attention_lstm_step_forward",
        "the context left out of the gates",
        "the context enters all four gates",
        ("    a = x @ Wx + prev_h @ Wh + context @ Wc + b\n", "    a = x @ Wx + prev_h @ Wh + b\n"),
    ),
    mutant(
        "attention_lstm_step_forward",
        "gates in the order f, i, o, g",
        "order i, f, o, g",
        (GATES, SWAPPED),
    ),
    mutant(
        "attention_lstm_step_forward",
        "the query squashed before attending",
        "the previous state chooses",
        ("attention_forward(prev_h, regions, Wa)", "attention_forward(np.tanh(prev_h), regions, Wa)"),
    ),
    mutant(
        "attention_lstm_step_backward",
        "the query's gradient dropped from dprev_h",
        "prev_h reaches the gates twice",
        ("dprev_h = da @ Wh.T + dh_query", "dprev_h = da @ Wh.T"),
    ),
    mutant(
        "attention_lstm_step_backward",
        "no gradient back through the attention",
        "Back through the attention",
        ("dcontext = da @ Wc.T", "dcontext = 0.0 * (da @ Wc.T)"),
    ),
    mutant(
        "attention_lstm_forward",
        "the cell state restarts at every step",
        "each step starts from the h and c",
        ("        hs.append(prev_h)", "        hs.append(prev_h)\n        prev_c = np.zeros_like(prev_c)"),
    ),
    mutant(
        "attention_lstm_step_backward",
        "dprev_c not scaled by the forget gate",
        "The LSTM step's backward pass",
        ("    dprev_c = dc * f\n    dx = da @ Wx.T", "    dprev_c = dc\n    dx = da @ Wx.T"),
    ),
    mutant(
        "attention_lstm_forward",
        "every step starts from h0",
        "each step starts from the h and c",
        (
            "            x[:, t], prev_h, prev_c, regions, Wx, Wh, Wc, b, Wa",
            "            x[:, t], h0, prev_c, regions, Wx, Wh, Wc, b, Wa",
        ),
    ),
    mutant(
        "attention_lstm_forward",
        "the first step's weights kept for every step",
        "every step's weights",
        ("        ws.append(weights)", "        ws.append(ws[0] if ws else weights)"),
    ),
    mutant(
        "attention_lstm_backward",
        "the regions' gradient of one step only",
        "add up their gradients",
        ("dregions, dWx, dWh = dregions + dregions_t,", "dregions, dWx, dWh = dregions_t,"),
    ),
    mutant(
        "attention_lstm_backward",
        "the gradient from the next step dropped",
        "passing dprev_h and dprev_c",
        (STEP_INPUT, "            dh[:, t], dprev_c, cache[t]"),
    ),
    mutant(
        "attention_lstm_backward",
        "the cell state's gradient not carried",
        "passing dprev_h and dprev_c",
        (STEP_INPUT, "            dh[:, t] + dprev_h, 0 * dprev_c, cache[t]"),
    ),
]
