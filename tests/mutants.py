"""Realistic wrong versions of each exercise: the mistakes students actually make.

Each mutant is the whole replacement function. `hint` is a piece of text the student check's hint
must contain (it names the likely mistake), or None where any clear report will do.
"""

import ast
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Mutant:
    function: str
    name: str
    source: str
    hint: str = None
    module: str = "rnn_layers"  # otherwise `source` is the whole text of that module


# The forward that goes with a backward calling rnn_step_backward: its cache is the list of step caches.
# (The solution's forward keeps whole-sequence arrays instead; a student writes the two as a pair.)
RNN_FORWARD_STEPWISE = """
def rnn_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    h = np.empty((N, T, h0.shape[1]))
    prev_h, caches = h0, []
    for t in range(T):
        prev_h, cache = rnn_step_forward(x[:, t], prev_h, Wx, Wh, b)
        h[:, t] = prev_h
        caches.append(cache)
    return h, caches
"""


def stepwise(backward):
    """A backward that reads a list of step caches, with the forward that makes one."""
    return RNN_FORWARD_STEPWISE + backward


def from_solution(function, *pairs):
    """The reference's own `function` with each (old, new) text replaced: a mistake in its style.

    Every `old` must be there, so a changed reference cannot silently make the mutant correct.
    """
    source = (Path(__file__).resolve().parents[1] / "solutions" / "rnn_layers.py").read_text()
    tree = ast.parse(source)
    node = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == function)
    text = "\n".join(source.splitlines()[node.lineno - 1 : node.end_lineno]) + "\n"
    for old, new in pairs:
        assert text.count(old) == 1, f"mutant edit does not apply to {function}: {old!r}"
        text = text.replace(old, new)
    return text


MUTANTS = [
    # ---- rnn_step_forward
    Mutant(
        "rnn_step_forward",
        "the input weights transposed (x @ Wx.T)",
        from_solution(
            "rnn_step_forward", ("np.tanh(x @ Wx + prev_h @ Wh + b)", "np.tanh(x @ Wx.T + prev_h @ Wh + b)")
        ),
        "Wx.T",
    ),
    Mutant(
        "rnn_step_forward",
        "no tanh",
        """
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = x @ Wx + prev_h @ Wh + b
    return next_h, (x, prev_h, Wx, Wh, next_h)
""",
        "np.tanh",
    ),
    Mutant(
        "rnn_step_forward",
        "sigmoid instead of tanh",
        """
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = sigmoid(x @ Wx + prev_h @ Wh + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)
""",
        "sigmoid",
    ),
    Mutant(
        "rnn_step_forward",
        "Wh transposed",
        """
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x @ Wx + prev_h @ Wh.T + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)
""",
        "not Wh.T",
    ),
    Mutant(
        "rnn_step_forward",
        "bias left out",
        """
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x @ Wx + prev_h @ Wh)
    return next_h, (x, prev_h, Wx, Wh, next_h)
""",
        "is b added",
    ),
    Mutant(
        "rnn_step_forward",
        "tanh applied to each term",
        """
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x @ Wx) + np.tanh(prev_h @ Wh) + np.tanh(b)
    return next_h, (x, prev_h, Wx, Wh, next_h)
""",
        "together",
    ),
    Mutant(
        "rnn_step_forward",
        "tanh from exponentials (overflows)",
        """
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    a = x @ Wx + prev_h @ Wh + b
    next_h = (np.exp(a) - np.exp(-a)) / (np.exp(a) + np.exp(-a))
    return next_h, (x, prev_h, Wx, Wh, next_h)
""",
        "stable",
    ),
    Mutant(
        "rnn_step_forward",
        "returns only next_h",
        """
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    return np.tanh(x @ Wx + prev_h @ Wh + b)
""",
        None,
    ),
    # ---- rnn_forward
    Mutant(
        "rnn_forward",
        "restarts from h0 at every step",
        """
def rnn_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    h = np.empty((N, T, h0.shape[1]))
    caches = []
    for t in range(T):
        h[:, t], cache = rnn_step_forward(x[:, t], h0, Wx, Wh, b)
        caches.append(cache)
    return h, caches
""",
        "not from h0",
    ),
    Mutant(
        "rnn_forward",
        "returns only the last state",
        """
def rnn_forward(x, h0, Wx, Wh, b):
    prev_h, caches = h0, []
    for t in range(x.shape[1]):
        prev_h, cache = rnn_step_forward(x[:, t], prev_h, Wx, Wh, b)
        caches.append(cache)
    return prev_h, caches
""",
        "every step",
    ),
    Mutant(
        "rnn_forward",
        "stores the state before the step",
        """
def rnn_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    h = np.empty((N, T, h0.shape[1]))
    prev_h, caches = h0, []
    for t in range(T):
        h[:, t] = prev_h
        prev_h, cache = rnn_step_forward(x[:, t], prev_h, Wx, Wh, b)
        caches.append(cache)
    return h, caches
""",
        "before it",
    ),
    Mutant(
        "rnn_forward",
        "time read from the batch axis",
        """
def rnn_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    h = np.empty((N, T, h0.shape[1]))
    prev_h, caches = h0, []
    for t in range(T):
        prev_h, cache = rnn_step_forward(x[t], prev_h, Wx, Wh, b)
        h[:, t] = prev_h
        caches.append(cache)
    return h, caches
""",
        None,
    ),
    # ---- rnn_step_backward
    Mutant(
        "rnn_step_backward",
        "tanh derivative as 1 - h",
        """
def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1.0 - next_h)
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)
""",
        "not 1 - next_h",
    ),
    Mutant(
        "rnn_step_backward",
        "tanh applied again in the derivative",
        """
def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1.0 - np.tanh(next_h) ** 2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)
""",
        "already tanh(a)",
    ),
    Mutant(
        "rnn_step_backward",
        "db averaged over the batch",
        """
def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1.0 - next_h**2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.mean(axis=0)
""",
        "averaged",
    ),
    Mutant(
        "rnn_step_backward",
        "dWh from next_h",
        """
def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1.0 - next_h**2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, next_h.T @ da, da.sum(axis=0)
""",
        "prev_h (not next_h)",
    ),
    Mutant(
        "rnn_step_backward",
        "dWh transposed",
        """
def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1.0 - next_h**2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, da.T @ prev_h, da.sum(axis=0)
""",
        "dWh is transposed",
    ),
    Mutant(
        "rnn_step_backward",
        "dprev_h through Wh instead of Wh.T",
        """
def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1.0 - next_h**2)
    return da @ Wx.T, da @ Wh, x.T @ da, prev_h.T @ da, da.sum(axis=0)
""",
        "transposed weights",
    ),
    Mutant(
        "rnn_step_backward",
        "changes dnext_h in place",
        """
def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    dnext_h *= 1.0 - next_h**2
    da = dnext_h
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)
""",
        None,
    ),
    # ---- rnn_backward
    Mutant(
        "rnn_backward",
        "upstream gradient added only at the last step",
        stepwise(
            """
def rnn_backward(dh, cache):
    N, T, H = dh.shape
    dx = np.empty((N, T, cache[0][0].shape[1]))
    dWx = dWh = db = 0.0
    dprev_h = dh[:, -1]
    for t in reversed(range(T)):
        dx[:, t], dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dprev_h, cache[t])
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
    return dx, dprev_h, dWx, dWh, db
"""
        ),
        "added at every step",
    ),
    Mutant(
        "rnn_backward",
        "gradient not carried back through time",
        stepwise(
            """
def rnn_backward(dh, cache):
    N, T, H = dh.shape
    dx = np.empty((N, T, cache[0][0].shape[1]))
    dWx = dWh = db = 0.0
    for t in reversed(range(T)):
        dx[:, t], dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t], cache[t])
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
    return dx, dprev_h, dWx, dWh, db
"""
        ),
        "stops at the last step",
    ),
    Mutant(
        "rnn_backward",
        "weight gradients overwritten, not accumulated",
        stepwise(
            """
def rnn_backward(dh, cache):
    N, T, H = dh.shape
    dx = np.empty((N, T, cache[0][0].shape[1]))
    dprev_h = np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dprev_h, dWx, dWh, db = rnn_step_backward(dh[:, t] + dprev_h, cache[t])
    return dx, dprev_h, dWx, dWh, db
"""
        ),
        "accumulate",
    ),
    Mutant(
        "rnn_backward",
        "walks forward in time",
        stepwise(
            """
def rnn_backward(dh, cache):
    N, T, H = dh.shape
    dx = np.empty((N, T, cache[0][0].shape[1]))
    dWx = dWh = db = 0.0
    dprev_h = np.zeros((N, H))
    for t in range(T):
        dx[:, t], dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + dprev_h, cache[t])
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
    return dx, dprev_h, dWx, dWh, db
"""
        ),
        None,
    ),
    Mutant(
        "rnn_backward",
        "dh accumulated in place",
        stepwise(
            """
def rnn_backward(dh, cache):
    N, T, H = dh.shape
    dx = np.empty((N, T, cache[0][0].shape[1]))
    dWx = dWh = db = 0.0
    for t in reversed(range(T)):
        dx[:, t], dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t], cache[t])
        if t > 0:
            dh[:, t - 1] += dprev_h
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
    return dx, dprev_h, dWx, dWh, db
"""
        ),
        "in place",
    ),
    # ---- mistakes in the style the notebooks teach (one product before or after the loop)
    Mutant(
        "rnn_forward",
        "bias added twice: in the projection of all steps and again in the loop",
        from_solution("rnn_forward", ("@ Wx).reshape(N, T, -1)", "@ Wx + b).reshape(N, T, -1)")),
        None,
    ),
    Mutant(
        "rnn_backward",
        "dWh from the state each step produced, not the one it started from",
        from_solution("rnn_backward", ("dWh = prev_h.reshape(N * T, H).T", "dWh = h.reshape(N * T, H).T")),
        None,
    ),
    Mutant(
        "rnn_backward",
        "the pre-activation gradient of each step without the gradient from the next step",
        from_solution("rnn_backward", ("(dh[:, t] + dprev_h) * (1.0", "dh[:, t] * (1.0")),
        "stops at the last step",
    ),
]
