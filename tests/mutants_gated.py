"""Realistic wrong versions of the LSTM and GRU exercises, each a small edit of a correct template.

`edit` asserts that the text it replaces is there, so a changed template cannot silently turn a
mutant back into a correct function.
"""

from tests.mutants import Mutant, from_solution


def edit(template, *pairs):
    source = template
    for old, new in pairs:
        assert old in source, f"mutant edit does not apply: {old!r}"
        source = source.replace(old, new)
    return source


LSTM_STEP_FORWARD = """
def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H : 2 * H])
    o = sigmoid(a[:, 2 * H : 3 * H])
    g = np.tanh(a[:, 3 * H :])
    next_c = f * prev_c + i * g
    tanh_c = np.tanh(next_c)
    next_h = o * tanh_c
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c)
"""

LSTM_STEP_BACKWARD = """
def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c = cache
    dc = dnext_c + dnext_h * o * (1.0 - tanh_c**2)
    di, df, do, dg = dc * g, dc * prev_c, dnext_h * tanh_c, dc * i
    dprev_c = dc * f
    da = np.concatenate([di * i * (1 - i), df * f * (1 - f), do * o * (1 - o), dg * (1 - g**2)], axis=1)
    db = da.sum(axis=0)
    return da @ Wx.T, da @ Wh.T, dprev_c, x.T @ da, prev_h.T @ da, db
"""

LSTM_FORWARD = """
def lstm_forward(x, h0, Wx, Wh, b, c0=None, return_c=False):
    N, T, _ = x.shape
    h = np.empty((N, T, h0.shape[1]))
    c = np.empty_like(h)
    prev_h, prev_c, caches = h0, np.zeros_like(h0) if c0 is None else c0, []
    for t in range(T):
        prev_h, prev_c, cache = lstm_step_forward(x[:, t], prev_h, prev_c, Wx, Wh, b)
        h[:, t] = prev_h
        c[:, t] = prev_c
        caches.append(cache)
    return (h, c, caches) if return_c else (h, caches)
"""

# A backward that calls the step backward reads a list of step caches: it comes with the forward that
# makes one (the solution's forward keeps whole-sequence arrays instead).
LSTM_BACKWARD = (
    LSTM_FORWARD
    + """
def lstm_backward(dh, cache):
    N, T, H = dh.shape
    dx = np.empty((N, T, cache[0][0].shape[1]))
    dWx = dWh = db = 0.0
    dprev_h, dprev_c = np.zeros((N, H)), np.zeros((N, H))
    for t in reversed(range(T)):
        step = lstm_step_backward(dh[:, t] + dprev_h, dprev_c, cache[t])
        dx[:, t], dprev_h, dprev_c, dWx_t, dWh_t, db_t = step
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
    return dx, dprev_h, dWx, dWh, db
"""
)

GRU_STEP_FORWARD = """
def gru_step_forward(x, prev_h, Wx, Wh, bx, bh):
    H = prev_h.shape[1]
    gx = x @ Wx + bx
    gh = prev_h @ Wh + bh
    r = sigmoid(gx[:, :H] + gh[:, :H])
    z = sigmoid(gx[:, H : 2 * H] + gh[:, H : 2 * H])
    n = np.tanh(gx[:, 2 * H :] + r * gh[:, 2 * H :])
    next_h = (1.0 - z) * n + z * prev_h
    return next_h, (x, prev_h, Wx, Wh, r, z, n, gh[:, 2 * H :])
"""

GRU_STEP_BACKWARD = """
def gru_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, r, z, n, gh_n = cache
    dn = dnext_h * (1.0 - z)
    dz = dnext_h * (prev_h - n)
    dan = dn * (1.0 - n**2)
    dar = dan * gh_n * r * (1.0 - r)
    daz = dz * z * (1.0 - z)
    dgx = np.concatenate([dar, daz, dan], axis=1)
    dgh = np.concatenate([dar, daz, dan * r], axis=1)
    dprev_h = dnext_h * z + dgh @ Wh.T
    return dgx @ Wx.T, dprev_h, x.T @ dgx, prev_h.T @ dgh, dgx.sum(axis=0), dgh.sum(axis=0)
"""

GRU_FORWARD = """
def gru_forward(x, h0, Wx, Wh, bx, bh):
    N, T, _ = x.shape
    h = np.empty((N, T, h0.shape[1]))
    prev_h, caches = h0, []
    for t in range(T):
        prev_h, cache = gru_step_forward(x[:, t], prev_h, Wx, Wh, bx, bh)
        h[:, t] = prev_h
        caches.append(cache)
    return h, caches
"""

GRU_BACKWARD = (
    GRU_FORWARD
    + """
def gru_backward(dh, cache):
    N, T, H = dh.shape
    dx = np.empty((N, T, cache[0][0].shape[1]))
    dWx = dWh = dbx = dbh = 0.0
    dprev_h = np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dprev_h, dWx_t, dWh_t, dbx_t, dbh_t = gru_step_backward(dh[:, t] + dprev_h, cache[t])
        dWx, dWh, dbx, dbh = dWx + dWx_t, dWh + dWh_t, dbx + dbx_t, dbh + dbh_t
    return dx, dprev_h, dWx, dWh, dbx, dbh
"""
)

TEMPLATES = [LSTM_STEP_FORWARD, LSTM_STEP_BACKWARD, LSTM_FORWARD, LSTM_BACKWARD]
TEMPLATES += [GRU_STEP_FORWARD, GRU_STEP_BACKWARD, GRU_FORWARD, GRU_BACKWARD]

M = Mutant
GATED_MUTANTS = [
    # ---- lstm_step_forward
    M(
        "lstm_step_forward",
        "gates i and f swapped",
        edit(
            LSTM_STEP_FORWARD,
            ("i = sigmoid(a[:, :H])", "i = sigmoid(a[:, H : 2 * H])"),
            ("f = sigmoid(a[:, H : 2 * H])", "f = sigmoid(a[:, :H])"),
        ),
        "Swapping i and f",
    ),
    M(
        "lstm_step_forward",
        "no tanh on the cell state before the output gate",
        edit(LSTM_STEP_FORWARD, ("next_h = o * tanh_c", "next_h = o * next_c")),
        "tanh applied to the cell state",
    ),
    M(
        "lstm_step_forward",
        "PyTorch's gate order i, f, g, o",
        edit(
            LSTM_STEP_FORWARD,
            ("o = sigmoid(a[:, 2 * H : 3 * H])", "o = sigmoid(a[:, 3 * H :])"),
            ("g = np.tanh(a[:, 3 * H :])", "g = np.tanh(a[:, 2 * H : 3 * H])"),
        ),
        None,
    ),
    M(
        "lstm_step_forward",
        "forget gate applied to the candidate",
        edit(LSTM_STEP_FORWARD, ("next_c = f * prev_c + i * g", "next_c = i * prev_c + f * g")),
        "i and f",
    ),
    M(
        "lstm_step_forward",
        "sigmoid for the candidate g",
        edit(LSTM_STEP_FORWARD, ("g = np.tanh(a[:, 3 * H :])", "g = sigmoid(a[:, 3 * H :])")),
        None,
    ),
    # ---- lstm_step_backward
    M(
        "lstm_step_backward",
        "the dnext_h path missing from the cell state's gradient",
        edit(LSTM_STEP_BACKWARD, ("dc = dnext_c + dnext_h * o * (1.0 - tanh_c**2)", "dc = dnext_c")),
        "dnext_h reaches the cell state",
    ),
    M(
        "lstm_step_backward",
        "dnext_c left out of the cell state's gradient",
        edit(
            LSTM_STEP_BACKWARD,
            ("dc = dnext_c + dnext_h * o * (1.0 - tanh_c**2)", "dc = dnext_h * o * (1.0 - tanh_c**2)"),
        ),
        "is dnext_c added in?",
    ),
    M(
        "lstm_step_backward",
        "the dnext_h path missing from dprev_c only",
        edit(LSTM_STEP_BACKWARD, ("dprev_c = dc * f", "dprev_c = dnext_c * f")),
        "dnext_h reaches the cell state",
    ),
    M(
        "lstm_step_backward",
        "input-gate bias gradient copied from the forget gate",
        edit(
            LSTM_STEP_BACKWARD,
            ("db = da.sum(axis=0)", "db = da.sum(axis=0)\n    db[:H] = db[H : 2 * H]"),
            ("x, prev_h, prev_c", "H = dnext_h.shape[1]\n    x, prev_h, prev_c"),
        ),
        "db's i block",
    ),
    M(
        "lstm_step_backward",
        "dprev_c without the forget gate",
        edit(LSTM_STEP_BACKWARD, ("dprev_c = dc * f", "dprev_c = dc")),
        "times f",
    ),
    M(
        "lstm_step_backward",
        "the output gate's gradient from next_c, not tanh(next_c)",
        edit(
            LSTM_STEP_BACKWARD,
            (
                "di, df, do, dg = dc * g, dc * prev_c, dnext_h * tanh_c, dc * i",
                "di, df, dg = dc * g, dc * prev_c, dc * i\n    do = dnext_h * np.arctanh(tanh_c)",
            ),
        ),
        "o (output)",
    ),
    M(
        "lstm_step_backward",
        "changes dnext_c in place",
        edit(
            LSTM_STEP_BACKWARD,
            (
                "dc = dnext_c + dnext_h * o * (1.0 - tanh_c**2)",
                "dc = dnext_c\n    dc += dnext_h * o * (1.0 - tanh_c**2)",
            ),
        ),
        "in place",
    ),
    # ---- lstm_forward: its c0 and return_c keywords
    Mutant(
        "lstm_forward",
        "c0 ignored",
        edit(LSTM_FORWARD, ("np.zeros_like(h0) if c0 is None else c0", "np.zeros_like(h0)")),
        "starts at c0",
    ),
    Mutant(
        "lstm_forward",
        "return_c returns the hidden states",
        edit(LSTM_FORWARD, ("c[:, t] = prev_c", "c[:, t] = prev_h")),
        "c[:, t] is the cell state",
    ),
    # ---- lstm_forward
    M(
        "lstm_forward",
        "cell state started from h0",
        edit(LSTM_FORWARD, ("np.zeros_like(h0) if c0 is None else c0", "h0 if c0 is None else c0")),
        "cell state starts at zero",
    ),
    M(
        "lstm_forward",
        "cell state not carried between steps",
        edit(
            LSTM_FORWARD,
            (
                "prev_h, prev_c, cache = lstm_step_forward(x[:, t], prev_h, prev_c, Wx, Wh, b)",
                "prev_h, _, cache = lstm_step_forward(x[:, t], prev_h, prev_c, Wx, Wh, b)",
            ),
        ),
        None,
    ),
    M(
        "lstm_forward",
        "restarts from h0 at every step",
        edit(
            LSTM_FORWARD,
            ("lstm_step_forward(x[:, t], prev_h, prev_c", "lstm_step_forward(x[:, t], h0, prev_c"),
        ),
        None,
    ),
    M(
        "lstm_forward",
        "stores the cell state instead of the hidden state",
        edit(LSTM_FORWARD, ("h[:, t] = prev_h", "h[:, t] = prev_c")),
        None,
    ),
    # ---- lstm_backward
    M(
        "lstm_backward",
        "the cell state's gradient not carried to the previous step",
        edit(
            LSTM_BACKWARD,
            ("dh[:, t] + dprev_h, dprev_c, cache[t]", "dh[:, t] + dprev_h, np.zeros((N, H)), cache[t]"),
        ),
        "dprev_c",
    ),
    M(
        "lstm_backward",
        "upstream gradient not added at each step",
        edit(
            LSTM_BACKWARD,
            (
                "dprev_h, dprev_c = np.zeros((N, H)), np.zeros((N, H))",
                "dprev_h, dprev_c = dh[:, -1], np.zeros((N, H))",
            ),
            ("lstm_step_backward(dh[:, t] + dprev_h,", "lstm_step_backward(dprev_h,"),
        ),
        "added at every step",
    ),
    M(
        "lstm_backward",
        "weight gradients overwritten",
        edit(
            LSTM_BACKWARD,
            ("dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t", "dWx, dWh, db = dWx_t, dWh_t, db_t"),
        ),
        "add up",
    ),
    M(
        "lstm_backward",
        "changes dh in place",
        edit(
            LSTM_BACKWARD,
            ("lstm_step_backward(dh[:, t] + dprev_h,", "lstm_step_backward(dh[:, t].__iadd__(dprev_h),"),
        ),
        "in place",
    ),
    # ---- gru_step_forward
    M(
        "gru_step_forward",
        "z and 1 - z swapped",
        edit(
            GRU_STEP_FORWARD, ("next_h = (1.0 - z) * n + z * prev_h", "next_h = z * n + (1.0 - z) * prev_h")
        ),
        "z and 1 - z",
    ),
    M(
        "gru_step_forward",
        "bh_n outside the reset gate",
        edit(
            GRU_STEP_FORWARD,
            ("gh = prev_h @ Wh + bh", "gh = prev_h @ Wh + bh\n    gh_n = prev_h @ Wh[:, 2 * H :]"),
            ("r * gh[:, 2 * H :])", "r * gh_n + bh[2 * H :])"),
        ),
        "bh_n belongs inside",
    ),
    M(
        "gru_step_forward",
        "reset gate on the input part",
        edit(
            GRU_STEP_FORWARD,
            ("np.tanh(gx[:, 2 * H :] + r * gh[:, 2 * H :])", "np.tanh(r * gx[:, 2 * H :] + gh[:, 2 * H :])"),
        ),
        "reset gate shut",
    ),
    M(
        "gru_step_forward",
        "gates in the order z, r, n",
        edit(
            GRU_STEP_FORWARD,
            ("r = sigmoid(gx[:, :H] + gh[:, :H])", "r = sigmoid(gx[:, H : 2 * H] + gh[:, H : 2 * H])"),
            ("z = sigmoid(gx[:, H : 2 * H] + gh[:, H : 2 * H])", "z = sigmoid(gx[:, :H] + gh[:, :H])"),
        ),
        None,
    ),
    # ---- gru_step_backward
    M(
        "gru_step_backward",
        "reset gate left out of the gradient of Wh_n",
        edit(
            GRU_STEP_BACKWARD,
            (
                "dgh = np.concatenate([dar, daz, dan * r], axis=1)",
                "dgh = np.concatenate([dar, daz, dan], axis=1)",
            ),
        ),
        "factor r",
    ),
    M(
        "gru_step_backward",
        "no direct path from next_h to prev_h",
        edit(GRU_STEP_BACKWARD, ("dprev_h = dnext_h * z + dgh @ Wh.T", "dprev_h = dgh @ Wh.T")),
        "z * prev_h",
    ),
    M(
        "gru_step_backward",
        "update gate gradient with the wrong sign",
        edit(GRU_STEP_BACKWARD, ("dz = dnext_h * (prev_h - n)", "dz = dnext_h * (n - prev_h)")),
        "z block",
    ),
    M(
        "gru_step_backward",
        "dbh copied from dbx",
        edit(GRU_STEP_BACKWARD, ("dgx.sum(axis=0), dgh.sum(axis=0)", "dgx.sum(axis=0), dgx.sum(axis=0)")),
        "dbh",
    ),
    # ---- gru_forward
    M(
        "gru_forward",
        "restarts from h0 at every step",
        edit(GRU_FORWARD, ("gru_step_forward(x[:, t], prev_h,", "gru_step_forward(x[:, t], h0,")),
        "not from h0",
    ),
    M(
        "gru_forward",
        "stores the state before the step",
        edit(
            GRU_FORWARD,
            ("        h[:, t] = prev_h\n", ""),
            ("    for t in range(T):\n", "    for t in range(T):\n        h[:, t] = prev_h\n"),
        ),
        "before it",
    ),
    M(
        "gru_forward",
        "ignores h0",
        edit(GRU_FORWARD, ("prev_h, caches = h0, []", "prev_h, caches = 0 * h0, []")),
        "ignores h0",
    ),
    # ---- gru_backward
    M(
        "gru_backward",
        "upstream gradient added only at the last step",
        edit(
            GRU_BACKWARD,
            ("dprev_h = np.zeros((N, H))", "dprev_h = dh[:, -1]"),
            ("gru_step_backward(dh[:, t] + dprev_h,", "gru_step_backward(dprev_h,"),
        ),
        "added at every step",
    ),
    M(
        "gru_backward",
        "gradient not carried back through time",
        edit(GRU_BACKWARD, ("gru_step_backward(dh[:, t] + dprev_h,", "gru_step_backward(dh[:, t],")),
        "stops at the last step",
    ),
    M(
        "gru_backward",
        "changes dh in place",
        edit(
            GRU_BACKWARD,
            ("gru_step_backward(dh[:, t] + dprev_h,", "gru_step_backward(dh[:, t].__iadd__(dprev_h),"),
        ),
        "in place",
    ),
    M(
        "gru_backward",
        "dh0 from the last step",
        edit(
            GRU_BACKWARD,
            ("    return dx, dprev_h,", "        dh0 = dprev_h if t == T - 1 else dh0\n    return dx, dh0,"),
        ),
        "dh0 is the dprev_h",
    ),
    # ---- mistakes in the style the notebooks teach (one product before or after the loop)
    M(
        "lstm_backward",
        "dWh from the state each step produced, not the one it started from",
        from_solution("lstm_backward", ("dWh = prev_h.reshape(N * T, H).T", "dWh = h.reshape(N * T, H).T")),
        None,
    ),
    M(
        "gru_backward",
        "the hidden part's n block not scaled by r",
        from_solution("gru_backward", ("dgh[:, t, 2 * H :] = dan * r", "dgh[:, t, 2 * H :] = dan")),
        None,
    ),
]
