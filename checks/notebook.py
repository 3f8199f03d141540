"""What notebook cells call: ``check(fn)`` prints a verdict, ``show(name, x)`` a rounded value.

Both print text that is the same for every correct implementation on every machine, so that the
saved reference outputs of a notebook can be compared by nbval.
"""

import os
import sys

import numpy as np

from .core import DONE, TODO, check_with_needs, load_references
from .registry import BY_NAME, find


def format_report(report, cases):
    """A few lines telling a student what the check found."""
    if report.state == DONE:
        return f"✓ {report.exercise} is right in all {cases} checks."
    if report.state == TODO:
        return f"… {report.exercise}: {report.problems[0]}"
    lines = [f"✗ {report.exercise} is wrong:"]
    lines += [f"  - {problem}" for problem in report.problems[:6]]
    if len(report.problems) > 6:
        more = len(report.problems) - 6
        lines.append(f"  - ... and {more} more: `make check ONLY={report.exercise}` lists them all")
    if report.hint:
        lines.append(f"  Hint: {report.hint}")
    return "\n".join(lines)


def check(fn):
    """Check an exercise function (e.g. ``check(rnn_step_forward)``) and print the verdict.

    The function is checked together with the other functions of its own module (a backward is
    checked through the forward next to it). Prints only (a notebook would echo a return value).
    """
    if not callable(fn) or not hasattr(fn, "__module__"):
        raise TypeError(f"check() takes an exercise function, e.g. check(rnn_step_forward); got {fn!r}")
    try:
        exercise = find(getattr(fn, "__qualname__", fn.__name__))
    except KeyError as err:
        raise ValueError(err.args[0]) from None
    module = sys.modules[fn.__module__]
    report = check_with_needs(exercise, module, load_references(), BY_NAME)
    print(format_report(report, len(exercise.cases)))


def _near_rounding_boundary(values, decimals):
    scaled = np.abs(values) * 10.0**decimals
    distance = np.abs(scaled - np.floor(scaled) - 0.5)
    return np.any(distance < 1e-6)


def show(name, value, decimals=4, significant=None):
    """Print ``name = value`` rounded to `decimals` places, identical on every machine.

    With `significant`, a scalar is printed in scientific notation with that many significant
    digits instead (for values spanning many orders of magnitude, such as gradient norms).

    Rounding hides the last-bit differences between correct implementations and BLAS builds;
    -0.0 is printed as 0.0. A maintainer regenerating the reference outputs runs with
    COURSE_STRICT_ROUNDING=1, which refuses a value so close to a rounding boundary that two
    correct implementations could round it differently.
    """
    values = np.asarray(value, dtype=np.float64)
    if significant is not None:
        mantissa, exponent = f"{float(values):.{significant + 6}e}".split("e")
        if os.environ.get("COURSE_STRICT_ROUNDING") and _near_rounding_boundary(
            np.float64(mantissa), significant - 1
        ):
            raise ValueError(f"{name} is within 1e-6 of a rounding boundary; change the inputs")
        print(f"{name} = {float(values):.{significant - 1}e}")
        return
    if os.environ.get("COURSE_STRICT_ROUNDING") and _near_rounding_boundary(values, decimals):
        raise ValueError(f"{name} has a value within 1e-6 of a rounding boundary; change the inputs")
    rounded = np.round(values, decimals) + 0.0  # + 0.0 turns -0.0 into 0.0
    if rounded.ndim == 0:
        print(f"{name} = {rounded:.{decimals}f}")
        return
    text = np.array2string(
        rounded,
        precision=decimals,
        floatmode="fixed",
        suppress_small=True,
        separator=", ",
        max_line_width=100,
    )
    print(f"{name} =\n{text}" if rounded.ndim > 1 else f"{name} = {text}")
