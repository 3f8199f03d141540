"""Realistic wrong versions of each exercise: the mistakes students actually make.

A mutant is the whole text of the module it mutates, made in one of two ways:
- `edited`: the reference solution's own text with a few snippets replaced (a slip in its style);
- `rewritten`: whole functions written out the way a student might (a mistake in their own style).
`hint` is a piece of text the student check's hint must contain (it names the likely mistake), or None
where any clear report will do. The mutant lists of the later chapters (tests/mutants_*.py) use the same
two helpers.
"""

import ast
from dataclasses import dataclass

from tests.helpers import SOLUTIONS, replace_function


@dataclass(frozen=True)
class Mutant:
    function: str  # the exercise it breaks: a function, or a method as "CaptioningRNN.loss"
    name: str
    source: str  # the whole text of the mutated module
    hint: str = None
    module: str = "rnn_layers"


def solution_text(module):
    return (SOLUTIONS / f"{module}.py").read_text(encoding="utf-8")


def function_body(text, function):
    """(start, end): where the code of `function` ("name" or "Class.method") is in `text`, from the line
    after its docstring (the docstring restates formulas, which an edit must not touch) to its last line."""
    scope = ast.parse(text).body
    *owners, name = function.split(".")
    for owner in owners:
        scope = next(n.body for n in scope if isinstance(n, ast.ClassDef) and n.name == owner)
    node = next(n for n in scope if isinstance(n, ast.FunctionDef) and n.name == name)
    first = node.body[0]
    has_doc = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    begin = first.end_lineno if has_doc else first.lineno - 1  # a line index: lineno counts from 1
    return starts[begin], starts[node.end_lineno]


def edited(function, *pairs, module="rnn_layers"):
    """solutions/<module>.py with each (old, new) replaced inside `function`'s code.

    Each `old` must occur exactly once there, so that a changed reference can neither make a mutant
    silently correct nor edit a line it was not meant to.
    """
    text = solution_text(module)
    start, end = function_body(text, function)
    code = text[start:end]
    for old, new in pairs:
        assert code.count(old) == 1, (
            f"mutant edit of {function} must match once, not {code.count(old)}: {old!r}"
        )
        code = code.replace(old, new)
    return text[:start] + code + text[end:]


def rewritten(functions, module="rnn_layers"):
    """solutions/<module>.py with the top-level functions in `functions` (source text) put in their place."""
    return replace_function(solution_text(module), functions)


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
    """rnn_layers with a backward that reads a list of step caches, and the forward that makes one."""
    return rewritten(RNN_FORWARD_STEPWISE + backward)


MUTANTS = [
    # ---- rnn_step_forward
    Mutant(
        "rnn_step_forward",
        "the input weights transposed (x @ Wx.T)",
        edited(
            "rnn_step_forward", ("np.tanh(x @ Wx + prev_h @ Wh + b)", "np.tanh(x @ Wx.T + prev_h @ Wh + b)")
        ),
        "Wx.T",
    ),
    Mutant(
        "rnn_step_forward",
        "no tanh",
        rewritten("""
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = x @ Wx + prev_h @ Wh + b
    return next_h, (x, prev_h, Wx, Wh, next_h)
"""),
        "np.tanh",
    ),
    Mutant(
        "rnn_step_forward",
        "sigmoid instead of tanh",
        rewritten("""
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = sigmoid(x @ Wx + prev_h @ Wh + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)
"""),
        "sigmoid",
    ),
    Mutant(
        "rnn_step_forward",
        "Wh transposed",
        rewritten("""
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x @ Wx + prev_h @ Wh.T + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)
"""),
        "not Wh.T",
    ),
    Mutant(
        "rnn_step_forward",
        "bias left out",
        rewritten("""
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x @ Wx + prev_h @ Wh)
    return next_h, (x, prev_h, Wx, Wh, next_h)
"""),
        "is b added",
    ),
    Mutant(
        "rnn_step_forward",
        "tanh applied to each term",
        rewritten("""
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x @ Wx) + np.tanh(prev_h @ Wh) + np.tanh(b)
    return next_h, (x, prev_h, Wx, Wh, next_h)
"""),
        "together",
    ),
    Mutant(
        "rnn_step_forward",
        "tanh from exponentials (overflows)",
        rewritten("""
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    a = x @ Wx + prev_h @ Wh + b
    next_h = (np.exp(a) - np.exp(-a)) / (np.exp(a) + np.exp(-a))
    return next_h, (x, prev_h, Wx, Wh, next_h)
"""),
        "stable",
    ),
    Mutant(
        "rnn_step_forward",
        "returns only next_h",
        rewritten("""
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    return np.tanh(x @ Wx + prev_h @ Wh + b)
"""),
        None,
    ),
    # ---- rnn_forward
    Mutant(
        "rnn_forward",
        "restarts from h0 at every step",
        rewritten("""
def rnn_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    h = np.empty((N, T, h0.shape[1]))
    caches = []
    for t in range(T):
        h[:, t], cache = rnn_step_forward(x[:, t], h0, Wx, Wh, b)
        caches.append(cache)
    return h, caches
"""),
        "not from h0",
    ),
    Mutant(
        "rnn_forward",
        "returns only the last state",
        rewritten("""
def rnn_forward(x, h0, Wx, Wh, b):
    prev_h, caches = h0, []
    for t in range(x.shape[1]):
        prev_h, cache = rnn_step_forward(x[:, t], prev_h, Wx, Wh, b)
        caches.append(cache)
    return prev_h, caches
"""),
        "every step",
    ),
    Mutant(
        "rnn_forward",
        "stores the state before the step",
        rewritten("""
def rnn_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    h = np.empty((N, T, h0.shape[1]))
    prev_h, caches = h0, []
    for t in range(T):
        h[:, t] = prev_h
        prev_h, cache = rnn_step_forward(x[:, t], prev_h, Wx, Wh, b)
        caches.append(cache)
    return h, caches
"""),
        "before it",
    ),
    Mutant(
        "rnn_forward",
        "time read from the batch axis",
        rewritten("""
def rnn_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    h = np.empty((N, T, h0.shape[1]))
    prev_h, caches = h0, []
    for t in range(T):
        prev_h, cache = rnn_step_forward(x[t], prev_h, Wx, Wh, b)
        h[:, t] = prev_h
        caches.append(cache)
    return h, caches
"""),
        None,
    ),
    # ---- rnn_step_backward
    Mutant(
        "rnn_step_backward",
        "tanh derivative as 1 - h",
        rewritten("""
def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1.0 - next_h)
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)
"""),
        "not 1 - next_h",
    ),
    Mutant(
        "rnn_step_backward",
        "tanh applied again in the derivative",
        rewritten("""
def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1.0 - np.tanh(next_h) ** 2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)
"""),
        "already tanh(a)",
    ),
    Mutant(
        "rnn_step_backward",
        "db averaged over the batch",
        rewritten("""
def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1.0 - next_h**2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.mean(axis=0)
"""),
        "averaged",
    ),
    Mutant(
        "rnn_step_backward",
        "dWh from next_h",
        rewritten("""
def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1.0 - next_h**2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, next_h.T @ da, da.sum(axis=0)
"""),
        "prev_h (not next_h)",
    ),
    Mutant(
        "rnn_step_backward",
        "dWh transposed",
        rewritten("""
def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1.0 - next_h**2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, da.T @ prev_h, da.sum(axis=0)
"""),
        "dWh is transposed",
    ),
    Mutant(
        "rnn_step_backward",
        "dprev_h through Wh instead of Wh.T",
        rewritten("""
def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1.0 - next_h**2)
    return da @ Wx.T, da @ Wh, x.T @ da, prev_h.T @ da, da.sum(axis=0)
"""),
        "transposed weights",
    ),
    Mutant(
        "rnn_step_backward",
        "changes dnext_h in place",
        rewritten("""
def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    dnext_h *= 1.0 - next_h**2
    da = dnext_h
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)
"""),
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
        edited("rnn_forward", ("@ Wx).reshape(N, T, -1)", "@ Wx + b).reshape(N, T, -1)")),
        None,
    ),
    Mutant(
        "rnn_backward",
        "dWh from the state each step produced, not the one it started from",
        edited("rnn_backward", ("dWh = prev_h.reshape(N * T, H).T", "dWh = h.reshape(N * T, H).T")),
        None,
    ),
    Mutant(
        "rnn_backward",
        "the pre-activation gradient of each step without the gradient from the next step",
        edited("rnn_backward", ("(dh[:, t] + dprev_h) * (1.0", "dh[:, t] * (1.0")),
        "stops at the last step",
    ),
]
