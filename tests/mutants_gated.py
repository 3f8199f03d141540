"""Realistic wrong versions of the LSTM and GRU exercises: edits of the reference solution's own text
(`edited`, which requires each replaced snippet to occur exactly once), and one mistake written out in a
student's step-by-step style (`rewritten`)."""

from tests.mutants import Mutant, edited, rewritten

# A student's LSTM written step by step, whose backward overwrites the weight gradients of the later
# steps instead of adding them up (a mistake only this style can make).
LSTM_STEPWISE_OVERWRITING = """
def lstm_forward(x, h0, Wx, Wh, b, c0=None):
    N, T, _ = x.shape
    h = np.empty((N, T, h0.shape[1]))
    c = np.empty_like(h)
    prev_h, prev_c, caches = h0, np.zeros_like(h0) if c0 is None else c0, []
    for t in range(T):
        prev_h, prev_c, cache = lstm_step_forward(x[:, t], prev_h, prev_c, Wx, Wh, b)
        h[:, t] = prev_h
        c[:, t] = prev_c
        caches.append(cache)
    return h, c, caches


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    dx = np.empty((N, T, cache[0][0].shape[1]))
    dprev_h, dprev_c = np.zeros((N, H)), np.zeros((N, H))
    for t in reversed(range(T)):
        step = lstm_step_backward(dh[:, t] + dprev_h, dprev_c, cache[t])
        dx[:, t], dprev_h, dprev_c, dWx, dWh, db = step
    return dx, dprev_h, dWx, dWh, db
"""

GATED_MUTANTS = [
    # ---- lstm_step_forward
    Mutant(
        "lstm_step_forward",
        "gates i and f swapped",
        edited(
            "lstm_step_forward",
            ("i = sigmoid(a[:, :H])", "i = sigmoid(a[:, H : 2 * H])"),
            ("f = sigmoid(a[:, H : 2 * H])", "f = sigmoid(a[:, :H])"),
        ),
        "Swapping i and f",
    ),
    Mutant(
        "lstm_step_forward",
        "no tanh on the cell state before the output gate",
        edited("lstm_step_forward", ("next_h = o * tanh_c", "next_h = o * next_c")),
        "tanh applied to the cell state",
    ),
    Mutant(
        "lstm_step_forward",
        "PyTorch's gate order i, f, g, o",
        edited(
            "lstm_step_forward",
            ("o = sigmoid(a[:, 2 * H : 3 * H])", "o = sigmoid(a[:, 3 * H :])"),
            ("g = np.tanh(a[:, 3 * H :])", "g = np.tanh(a[:, 2 * H : 3 * H])"),
        ),
        None,
    ),
    Mutant(
        "lstm_step_forward",
        "forget gate applied to the candidate",
        edited("lstm_step_forward", ("next_c = f * prev_c + i * g", "next_c = i * prev_c + f * g")),
        "i and f",
    ),
    Mutant(
        "lstm_step_forward",
        "sigmoid for the candidate g",
        edited("lstm_step_forward", ("g = np.tanh(a[:, 3 * H :])", "g = sigmoid(a[:, 3 * H :])")),
        None,
    ),
    # ---- lstm_step_backward
    Mutant(
        "lstm_step_backward",
        "the dnext_h path missing from the cell state's gradient",
        edited("lstm_step_backward", ("dc = dnext_c + dnext_h * o * (1.0 - tanh_c**2)", "dc = dnext_c")),
        "dnext_h reaches the cell state",
    ),
    Mutant(
        "lstm_step_backward",
        "dnext_c left out of the cell state's gradient",
        edited(
            "lstm_step_backward",
            ("dc = dnext_c + dnext_h * o * (1.0 - tanh_c**2)", "dc = dnext_h * o * (1.0 - tanh_c**2)"),
        ),
        "is dnext_c added in?",
    ),
    Mutant(
        "lstm_step_backward",
        "the dnext_h path missing from dprev_c only",
        edited("lstm_step_backward", ("dprev_c = dc * f", "dprev_c = dnext_c * f")),
        "dnext_h reaches the cell state",
    ),
    Mutant(
        "lstm_step_backward",
        "input-gate bias gradient copied from the forget gate",
        edited(
            "lstm_step_backward",
            ("db = da.sum(axis=0)", "db = da.sum(axis=0)\n    db[:H] = db[H : 2 * H]"),
            ("tanh_c = cache\n", "tanh_c = cache\n    H = dnext_h.shape[1]\n"),
        ),
        "db's i block",
    ),
    Mutant(
        "lstm_step_backward",
        "dprev_c without the forget gate",
        edited("lstm_step_backward", ("dprev_c = dc * f", "dprev_c = dc")),
        "times f",
    ),
    Mutant(
        "lstm_step_backward",
        "the output gate's gradient from next_c, not tanh(next_c)",
        edited("lstm_step_backward", ("do = dnext_h * tanh_c", "do = dnext_h * np.arctanh(tanh_c)")),
        "o (output)",
    ),
    Mutant(
        "lstm_step_backward",
        "changes dnext_c in place",
        edited(
            "lstm_step_backward",
            (
                "dc = dnext_c + dnext_h * o * (1.0 - tanh_c**2)",
                "dc = dnext_c\n    dc += dnext_h * o * (1.0 - tanh_c**2)",
            ),
        ),
        "in place",
    ),
    # ---- lstm_forward: its c0 and its cell states
    Mutant(
        "lstm_forward",
        "c0 ignored",
        edited("lstm_forward", ("np.zeros_like(h0) if c0 is None else c0", "np.zeros_like(h0)")),
        "starts at c0",
    ),
    Mutant(
        "lstm_forward",
        "returns the hidden states as the cell states",
        edited("lstm_forward", ("cs.append(next_c)", "cs.append(next_h)")),
        "c[:, t] is the cell state",
    ),
    # ---- lstm_forward
    Mutant(
        "lstm_forward",
        "cell state started from h0",
        edited("lstm_forward", ("np.zeros_like(h0) if c0 is None else c0", "h0 if c0 is None else c0")),
        "cell state starts at zero",
    ),
    Mutant(
        "lstm_forward",
        "cell state not carried between steps",
        edited("lstm_forward", ("prev_h, prev_c = next_h, next_c", "prev_h = next_h")),
        None,
    ),
    Mutant(
        "lstm_forward",
        "restarts from h0 at every step",
        edited("lstm_forward", ("a = x_proj[:, t] + prev_h @ Wh + b", "a = x_proj[:, t] + h0 @ Wh + b")),
        None,
    ),
    Mutant(
        "lstm_forward",
        "stores the cell state instead of the hidden state",
        edited("lstm_forward", ("hs.append(next_h)", "hs.append(next_c)")),
        None,
    ),
    # ---- lstm_backward
    Mutant(
        "lstm_backward",
        "the cell state's gradient not carried to the previous step",
        edited("lstm_backward", ("dc = dprev_c + dnext_h", "dc = dnext_h")),
        "dprev_c",
    ),
    Mutant(
        "lstm_backward",
        "upstream gradient not added at each step",
        edited(
            "lstm_backward",
            ("dprev_h = np.zeros_like(h0)", "dprev_h = dh[:, -1]"),
            ("dnext_h = dh[:, t] + dprev_h", "dnext_h = dprev_h"),
        ),
        "added at every step",
    ),
    Mutant(
        "lstm_backward",
        "weight gradients overwritten (written step by step)",
        rewritten(LSTM_STEPWISE_OVERWRITING),
        "add up",
    ),
    Mutant(
        "lstm_backward",
        "changes dh in place",
        edited("lstm_backward", ("dnext_h = dh[:, t] + dprev_h", "dnext_h = dh[:, t].__iadd__(dprev_h)")),
        "in place",
    ),
    Mutant(
        "lstm_backward",
        "dWh from the state each step produced, not the one it started from",
        edited("lstm_backward", ("dWh = prev_h.reshape(N * T, H).T", "dWh = h.reshape(N * T, H).T")),
        None,
    ),
    # ---- gru_step_forward
    Mutant(
        "gru_step_forward",
        "z and 1 - z swapped",
        edited(
            "gru_step_forward", ("next_h = (1.0 - z) * n + z * prev_h", "next_h = z * n + (1.0 - z) * prev_h")
        ),
        "z and 1 - z",
    ),
    Mutant(
        "gru_step_forward",
        "bh_n outside the reset gate",
        edited(
            "gru_step_forward",
            ("gh_n = gh[:, 2 * H :]", "gh_n = prev_h @ Wh[:, 2 * H :]"),
            ("r * gh_n)", "r * gh_n + bh[2 * H :])"),
        ),
        "bh_n belongs inside",
    ),
    Mutant(
        "gru_step_forward",
        "reset gate on the input part",
        edited(
            "gru_step_forward", ("np.tanh(gx[:, 2 * H :] + r * gh_n)", "np.tanh(r * gx[:, 2 * H :] + gh_n)")
        ),
        "reset gate shut",
    ),
    Mutant(
        "gru_step_forward",
        "gates in the order z, r, n",
        edited(
            "gru_step_forward",
            ("r = sigmoid(gx[:, :H] + gh[:, :H])", "r = sigmoid(gx[:, H : 2 * H] + gh[:, H : 2 * H])"),
            ("z = sigmoid(gx[:, H : 2 * H] + gh[:, H : 2 * H])", "z = sigmoid(gx[:, :H] + gh[:, :H])"),
        ),
        None,
    ),
    # ---- gru_step_backward
    Mutant(
        "gru_step_backward",
        "reset gate left out of the gradient of Wh_n",
        edited(
            "gru_step_backward",
            (
                "dgh = np.concatenate([dar, daz, dan * r], axis=1)",
                "dgh = np.concatenate([dar, daz, dan], axis=1)",
            ),
        ),
        "factor r",
    ),
    Mutant(
        "gru_step_backward",
        "no direct path from next_h to prev_h",
        edited("gru_step_backward", ("dprev_h = dnext_h * z + dgh @ Wh.T", "dprev_h = dgh @ Wh.T")),
        "z * prev_h",
    ),
    Mutant(
        "gru_step_backward",
        "update gate gradient with the wrong sign",
        edited("gru_step_backward", ("dz = dnext_h * (prev_h - n)", "dz = dnext_h * (n - prev_h)")),
        "z block",
    ),
    Mutant(
        "gru_step_backward",
        "dbh copied from dbx",
        edited("gru_step_backward", ("dbh = dgh.sum(axis=0)", "dbh = dgx.sum(axis=0)")),
        "dbh",
    ),
    # ---- gru_forward
    Mutant(
        "gru_forward",
        "restarts from h0 at every step",
        edited(
            "gru_forward",
            ("gh = prev_h @ Wh + bh", "gh = h0 @ Wh + bh"),
            ("next_h = (1.0 - z) * n + z * prev_h", "next_h = (1.0 - z) * n + z * h0"),
        ),
        "not from h0",
    ),
    Mutant(
        "gru_forward",
        "stores the state before the step",
        edited("gru_forward", ("hs.append(next_h)", "hs.append(prev_h)")),
        "before it",
    ),
    Mutant(
        "gru_forward",
        "ignores h0",
        edited("gru_forward", ("prev_h = h0\n", "prev_h = 0 * h0\n")),
        "ignores h0",
    ),
    # ---- gru_backward
    Mutant(
        "gru_backward",
        "upstream gradient added only at the last step",
        edited(
            "gru_backward",
            ("dprev_h = np.zeros_like(h0)", "dprev_h = dh[:, -1]"),
            ("dnext_h = dh[:, t] + dprev_h", "dnext_h = dprev_h"),
        ),
        "added at every step",
    ),
    Mutant(
        "gru_backward",
        "gradient not carried back through time",
        edited("gru_backward", ("dnext_h = dh[:, t] + dprev_h", "dnext_h = dh[:, t]")),
        "stops at the last step",
    ),
    Mutant(
        "gru_backward",
        "changes dh in place",
        edited("gru_backward", ("dnext_h = dh[:, t] + dprev_h", "dnext_h = dh[:, t].__iadd__(dprev_h)")),
        "in place",
    ),
    Mutant(
        "gru_backward",
        "dh0 from the last step",
        edited(
            "gru_backward",
            (
                "        dprev_h = dnext_h * z + dgh[:, t] @ Wh.T\n",
                "        dprev_h = dnext_h * z + dgh[:, t] @ Wh.T\n"
                "        dh0 = dprev_h if t == T - 1 else dh0\n",
            ),
            ("    dh0 = dprev_h\n", ""),
        ),
        "dh0 is the dprev_h",
    ),
    Mutant(
        "gru_backward",
        "the hidden part's n block not scaled by r",
        edited("gru_backward", ("dgh[:, t, 2 * H :] = dan * r", "dgh[:, t, 2 * H :] = dan")),
        None,
    ),
]
