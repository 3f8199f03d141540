"""What every recurrent cell shares over a sequence: inputs, cases, runners and hints.

The vanilla RNN, the LSTM and the GRU run over a sequence with the same loop and backpropagate
through time the same way, so their sequence exercises are checked on the same kinds of cases.
"""

import numpy as np

from .core import TOLERANCE, Case, Exercise, call_backward, call_unchanged, normwise_error, unpack
from .inputs import array

F_ONE = "T = 1 (a single step)"
F_ZERO = "h0 = 0"
F_ALL = "h0 is not zero"
F_LONG = "N = 1, T = 9"

B_ONE = "T = 1 (a single step)"
B_LAST = "only the last step has an upstream gradient (dh[:, :-1] = 0)"
B_FIRST = "only the first step has an upstream gradient (dh[:, 1:] = 0)"
B_ALL = "every step has an upstream gradient"


def upstream_gradient(seed, N, T, H, dh_at=None):
    """An upstream gradient dh (N, T, H) from a fixed seed; with dh_at, zero except at those steps."""
    dh = array(seed, N, T, H)
    if dh_at is not None:
        mask = np.zeros(T, dtype=bool)
        mask[dh_at] = True
        dh[:, ~mask] = 0.0
    return dh


def seq_inputs(params, N=2, T=5, D=3, H=4, seed=60, h0=True, dh_at=None):
    """Inputs x (N, T, D), h0 (N, H), upstream dh (N, T, H) and the cell's weights from `params`."""
    k = params(D, H, seed)
    k["x"] = array(seed + 4, N, T, D)
    k["h0"] = array(seed + 5, N, H, scale=0.8) if h0 else np.zeros((N, H))
    k["dh"] = upstream_gradient(seed + 6, N, T, H, dh_at)
    return k


def first_wrong_step(actual, expected):
    for t in range(expected.shape[1]):
        if normwise_error(actual[:, t], expected[:, t]) > TOLERANCE:
            return t
    return None


def forward_exercise(
    name, notebook, step, params, args, first_step_hint, seed=60, extra_cases=(), run_extra=None,
    diagnose_extra=None, returns=("h", "cache"),
):  # fmt: skip
    """The check of a sequence forward `name` that calls the step function `step`, and returns the values
    named in `returns` (the hidden states first, the cache last).

    A cell with more to check (the LSTM's c0 and cell states) adds `extra_cases`, a `run_extra(module, k)`
    that runs the cases the plain call cannot (None for the others), and a `diagnose_extra(report, refs)`
    whose hint, when it has one, comes first.
    """

    def run(module, k):
        outputs = run_extra(module, k) if run_extra else None
        if outputs is not None:
            return outputs
        values = [k[a] for a in args]
        returned = call_unchanged(getattr(module, name), values, args)
        return {"h": unpack(returned, len(returns), ", ".join(returns))[0]}

    def diagnose(report, refs):
        hint = diagnose_extra(report, refs) if diagnose_extra else None
        if hint is not None:
            return hint
        h = report.actual.get(F_ALL, {}).get("h")
        ref = refs[F_ALL]["h"]
        if h is None or np.shape(h) != ref.shape:
            if h is not None and np.ndim(h) == 2:
                return "Return the hidden state of every step, (N, T, H), not just the last one."
            return "h holds one hidden state per step: shape (N, T, H), with h[:, t] the state after step t."
        h = np.asarray(h)
        t = first_wrong_step(h, ref)
        if t is None:
            return None
        if (
            np.array_equal(h[:, 0], report.inputs[F_ALL]["h0"])
            or first_wrong_step(h[:, 1:], ref[:, :-1]) is None
        ):
            return "h[:, t] must be the state after step t; it holds the state before it."
        if t == 0:
            if not report.failed(F_ZERO):
                return first_step_hint
            return f"Already h[:, 0] is wrong: is {step} right (its check), fed with x[:, 0]?"
        return (
            f"h[:, 0] is right but h[:, {t}] is wrong: each step must start from the state the step "
            "before produced (prev_h = h[:, t - 1]), not from h0."
        )

    def inputs(**kw):
        return lambda: seq_inputs(params, seed=seed, **kw)

    return Exercise(
        name=name,
        notebook=notebook,
        run=run,
        cases=[
            Case("f_one", F_ONE, inputs(T=1)),
            Case("f_zero", F_ZERO, inputs(h0=False)),
            Case("f_all", F_ALL, inputs()),
            Case("f_long", F_LONG, lambda: seq_inputs(params, N=1, T=9, seed=seed + 10)),
            *extra_cases,
        ],
        diagnose=diagnose,
        needs=(step,),
    )


def backward_exercise(
    name, notebook, forward, step_backward, step_forward, params, args, grads, carried, seed=80,
    returns=("h", "cache"),
):  # fmt: skip
    """The check of a sequence backward `name`, run through the student's own `forward` (which returns
    the values named in `returns`, the hidden states first and the cache last).

    `carried` says what must flow from step t + 1 back to step t (for the hint).
    """

    def run(module, k):
        values = [k[a] for a in args]
        returned = unpack(
            call_unchanged(getattr(module, forward), values, args), len(returns), ", ".join(returns)
        )
        h, cache = returned[0], returned[-1]
        return {"h": h, **call_backward(getattr(module, name), [k["dh"], cache], ("dh", "cache"), grads)}

    weights = set(grads[2:])

    def diagnose(report, refs):
        bad = {out for outs in report.bad.values() for out in outs}
        if "h" in bad:
            return f"The forward pass is wrong on these inputs: fix {forward} first."
        if bad == {"dh0"}:
            return "dh0 is the dprev_h that the step at t = 0 returns."
        if report.failed(B_ONE):
            return f"Even a single step is wrong: with T = 1 this is one {step_backward} call (its check)."
        if report.failed(B_LAST):
            dx = report.actual[B_LAST].get("dx")
            if dx is not None and np.shape(dx) == refs[B_LAST]["dx"].shape and not np.any(dx[:, :-1]):
                return f"The gradient stops at the last step: step t must receive {carried}."
            if not report.failed(B_LAST, "dx") and bad <= weights:
                return "Weights are shared by every step, so their gradients add up: accumulate them."
            return (
                "Wrong even with an upstream gradient only at the last step: walk t from T - 1 down "
                f"to 0; step t must receive {carried}."
            )
        if report.failed(B_ALL) or report.failed(B_FIRST):
            return (
                "Right when only the last step has an upstream gradient, wrong when earlier ones do: "
                "is the upstream gradient dh[:, t] added at every step?"
            )
        return None

    def inputs(**kw):
        return lambda: seq_inputs(params, **kw)

    return Exercise(
        name=name,
        notebook=notebook,
        run=run,
        cases=[
            Case("b_one", B_ONE, inputs(T=1, seed=seed)),
            Case("b_last", B_LAST, inputs(seed=seed + 10, dh_at=-1)),
            Case("b_first", B_FIRST, inputs(seed=seed + 20, dh_at=0)),
            Case("b_all", B_ALL, inputs(seed=seed + 30)),
        ],
        diagnose=diagnose,
        needs=(step_forward, forward, step_backward),
    )
