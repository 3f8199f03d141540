"""The machinery of a student check: run an exercise on fixed cases, compare with the reference.

An exercise is checked on a few *cases*: fixed inputs, some of which switch off all but one term
of the formula, so that the pattern of failing cases points at the mistake. Each case's expected
outputs were computed once from ``solutions/`` and stored in ``reference_values.json``
(by the maintainers' ``make references``); nothing here knows the solution.
"""

import importlib
import inspect
import json
import re
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from course.paths import REFERENCE_VALUES as REFERENCE_FILE

# Normwise relative error: max |actual - expected| / max |expected|. Correct implementations that
# differ only in the order of floating-point operations agree to ~1e-15; every realistic mistake
# is off by more than 1e-4.
TOLERANCE = 1e-8

DONE, WRONG, TODO = "done", "wrong", "TODO"

MATMUL_HINT = (
    "The shapes of a matrix product do not fit (the line above says which sizes). Write each operand's "
    "shape from the docstring: A @ B needs A's last axis to be B's first, e.g. x (N, D) @ Wx (D, H) "
    "gives (N, H); a transpose such as Wx.T or a swapped order (Wx @ x) does not."
)

_NOT_WRITTEN = re.compile(r"^([\w.]+) is not written yet")


class Mismatch(Exception):
    """Raised inside a case runner when the result has the wrong structure (count, type)."""


@dataclass
class Case:
    """Fixed inputs for one check of an exercise; ``make_inputs`` returns a dict of arrays.

    ``key`` names the case in reference_values.json and never changes; ``name`` is the text a student
    reads ("h is wrong when <name>"), which can be reworded without recomputing the reference values.
    By convention the key is the name of the constant that holds the text, in lower case.
    """

    key: str
    name: str
    make_inputs: object
    graded: bool = True  # False: make check's feedback only; the grader leaves the case out


@dataclass
class Exercise:
    """One function the student writes, and how to check it.

    - run(module, inputs) -> dict of named output arrays (calls the student's functions).
    - diagnose(report) -> hint or None, from which outputs failed in which cases.
    - needs: exercises it builds on, foundation first (a backward is checked through its forward).
    """

    name: str
    notebook: str
    run: object
    cases: list
    diagnose: object = None
    needs: tuple = ()
    module: str = "rnn_layers"
    tolerances: dict = field(default_factory=dict)  # output -> tolerance, for outputs that are statistics
    # What to do about an overflow, 0/0 or division by zero in the student's code (the usual cause).
    stability: str = (
        "use a formula that is stable for large inputs (np.tanh, a stable sigmoid) rather than exponentials "
        "of large numbers"
    )


@dataclass
class Report:
    """What the check found. ``bad`` maps a case name to the output names that were wrong."""

    exercise: str
    state: str = DONE
    problems: list = field(default_factory=list)
    hint: str = None
    bad: dict = field(default_factory=dict)
    actual: dict = field(default_factory=dict)
    inputs: dict = field(default_factory=dict)
    location: str = None
    fatal: bool = False  # the code exited, hung, crashed or flooded: exercises built on it wait
    waits_for: object = None  # a file of the package that does not import (exercise_runs.FileProblem)
    printed: int = 0  # lines the student's code printed while being checked (hidden)

    def failed(self, case, output=None):
        """True if the case failed (on the given output, if one is named)."""
        if case not in self.bad:
            return False
        return output is None or output in self.bad[case]

    def wrong(self, message):
        self.state = WRONG
        if message not in self.problems:
            self.problems.append(message)


def how_to_restore(maintainer_command):
    """How to get back a file of the course that is missing or damaged, in either edition: the check
    cannot tell them apart (it never looks for the maintainers' folders), so it names both ways."""
    return (
        f"it is part of the course as handed out: copy it from a fresh download of the course (in the "
        f"course repository, `{maintainer_command}` rebuilds it)"
    )


def load_references(path=REFERENCE_FILE):
    """The stored expected outputs: {exercise: {case: {output: array}}}."""
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: {how_to_restore('make references')}")
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {
        ex: {
            case: {out: np.asarray(v, dtype=np.float64) for out, v in outs.items()}
            for case, outs in cases.items()
        }
        for ex, cases in raw.items()
    }


def normwise_error(actual, expected):
    """max |actual - expected| / max |expected| (0 when both are all zeros)."""
    scale = float(np.max(np.abs(expected))) if expected.size else 0.0
    diff = float(np.max(np.abs(actual - expected))) if expected.size else 0.0
    if scale == 0.0:
        return diff
    return diff / scale


def snapshot(obj):
    """A deep copy of the arrays inside nested tuples, lists and dicts (other objects as they are)."""
    if isinstance(obj, np.ndarray):
        return obj.copy()
    if isinstance(obj, tuple | list):
        return type(obj)(snapshot(o) for o in obj)
    if isinstance(obj, dict):
        return {k: snapshot(v) for k, v in obj.items()}
    return obj


def changed_paths(obj, before, path="cache"):
    """Where the arrays inside obj differ from the snapshot `before` (e.g. ['cache[2]'])."""
    if isinstance(obj, np.ndarray):
        same = (
            isinstance(before, np.ndarray)
            and before.shape == obj.shape
            and np.array_equal(obj, before, equal_nan=True)
        )
        return [] if same else [path]
    if isinstance(obj, tuple | list) and isinstance(before, tuple | list) and len(obj) == len(before):
        return [
            p
            for i, (o, b) in enumerate(zip(obj, before, strict=True))
            for p in changed_paths(o, b, f"{path}[{i}]")
        ]
    if isinstance(obj, dict) and isinstance(before, dict) and obj.keys() == before.keys():
        return [p for k in obj for p in changed_paths(obj[k], before[k], f"{path}[{k!r}]")]
    return []


def call_unchanged(fn, args, names):
    """Call fn(*args) and raise Mismatch if it changed any of its array arguments in place."""
    before = snapshot(list(args))
    result = fn(*args)
    for name, arg, old in zip(names, args, before, strict=True):
        where = changed_paths(arg, old, name)
        if where:
            raise Mismatch(
                f"{fn.__name__} changed its argument {where[0]} in place; the contract is that a "
                "function never changes the arrays it is given (work on a copy, or use `a = a + b` "
                "instead of `a += b`)"
            )
    return result


def call_backward(fn, args, arg_names, out_names):
    """Call a backward function the way the contract allows: return {name: gradient}.

    It must leave its arguments (upstream gradients and cache) unchanged, return one array per name in
    `out_names`, and give the same result when called again with the same cache.
    """
    what = ", ".join(out_names)
    first = unpack(call_unchanged(fn, args, arg_names), len(out_names), what)
    again = unpack(fn(*args), len(out_names), what)
    if not all(np.array_equal(np.asarray(a), np.asarray(b)) for a, b in zip(first, again, strict=True)):
        raise Mismatch(f"{fn.__name__} gives a different result when called twice with the same cache")
    return dict(zip(out_names, first, strict=True))


def unpack(result, count, what):
    """Check that a function returned a tuple of `count` values; `what` names them."""
    if not isinstance(result, tuple) or len(result) != count:
        got = f"{len(result)} values" if isinstance(result, tuple) else f"a {type(result).__name__}"
        raise Mismatch(f"returned {got}; it should return {count} values ({what})")
    return result


def model_loss_outputs(model, args, names):
    """Call ``model.loss(*args)`` (its arguments named `names`) and return its outputs to compare:
    {"loss": ..., "d<param>": ...} for every key of ``model.params``. Raises Mismatch for a result of
    the wrong structure, a missing gradient, or a loss that changed the parameters."""
    params = snapshot(model.params)
    loss, grads = unpack(call_unchanged(model.loss, args, names), 2, "loss, grads")
    if np.ndim(loss) != 0:
        raise Mismatch(f"loss should be a single number, got an array of shape {np.shape(loss)}")
    if not isinstance(grads, dict):
        raise Mismatch(f"grads should be a dict of gradients by parameter name, got {type(grads).__name__}")
    missing = sorted(set(model.params) - set(grads))
    if missing:
        raise Mismatch(
            f"grads has no gradient for {', '.join(missing)} (it needs one per key of self.params)"
        )
    for name, value in params.items():
        if not np.array_equal(model.params[name], value):
            raise Mismatch(f"loss changed the parameter {name}; it should only compute gradients")
    return {"loss": np.float64(loss), **{f"d{name}": grads[name] for name in sorted(params)}}


def _student_frame(err, module):
    """'file:line' of the deepest traceback frame inside the student's module, if any."""
    path = getattr(module, "__file__", None)
    for frame in reversed(traceback.extract_tb(err.__traceback__)):
        if path and Path(frame.filename).resolve() == Path(path).resolve():
            return f"{display_path(frame.filename)}:{frame.lineno}"
    return None


def display_path(filename):
    """A path as a student reads it: from the course folder (the one with the Makefile) when it is in
    one, else from the package's parent folder ('assignment/rnn_layers.py')."""
    path = Path(filename).resolve()
    for parent in path.parents:
        if (parent / "Makefile").exists():
            return path.relative_to(parent).as_posix()
    return path.relative_to(path.parent.parent).as_posix() if len(path.parts) > 2 else path.as_posix()


def resolve(module, name):
    """The function called `name` in module, where a dotted name is a method ("CaptioningRNN.loss")."""
    obj = module
    for part in name.split("."):
        obj = getattr(obj, part, None)
    return obj


def function_location(module, name):
    """'assignment/rnn_layers.py:42' for the def line of a function, or the module's file."""
    fn = resolve(module, name)
    try:
        line = inspect.getsourcelines(fn)[1]
        return f"{display_path(inspect.getsourcefile(fn))}:{line}"
    except (TypeError, OSError):
        return display_path(module.__file__)


def todo_location(module, name):
    """'assignment/rnn_layers.py:76' for the first TODO comment inside a function, else its def line."""
    fn = resolve(module, name)
    try:
        lines, start = inspect.getsourcelines(fn)
        offset = next((i for i, line in enumerate(lines) if "# TODO" in line), 0)
        return f"{display_path(inspect.getsourcefile(fn))}:{start + offset}"
    except (TypeError, OSError):
        return function_location(module, name)


def _compare(report, case, name, actual, expected, tolerance=TOLERANCE):
    """Compare one output; record what is wrong in the report. Returns True when it matches."""
    if not isinstance(actual, np.ndarray | np.generic | float | int):
        report.wrong(f"{name} should be a NumPy array, got {type(actual).__name__} ({case})")
        return False
    actual = np.asarray(actual)
    if actual.shape != expected.shape:
        report.wrong(f"{name} has shape {actual.shape}, expected {expected.shape} ({case})")
        return False
    if actual.dtype != np.float64:
        report.wrong(f"{name} has dtype {actual.dtype}, expected float64 ({case})")
        return False
    if not np.all(np.isfinite(actual)):
        report.wrong(f"{name} contains NaN or inf ({case})")
        return False
    if normwise_error(actual, expected) > tolerance:
        return False  # check_exercise says so, one line per case for all its wrong outputs
    return True


def wrong_outputs_line(outputs, case):
    """'dx, dWx and db are wrong when <case>': one line per case, so that every case stays in view."""
    names = outputs[0] if len(outputs) == 1 else f"{', '.join(outputs[:-1])} and {outputs[-1]}"
    return f"{names} {'is' if len(outputs) == 1 else 'are'} wrong when {case}"


def check_exercise(exercise, module, references):
    """Run every case of an exercise against a module; return a Report."""
    report = Report(exercise.name, location=function_location(module, exercise.name))
    stored = references.get(exercise.name)
    if stored is None or any(case.key not in stored for case in exercise.cases):
        raise KeyError(f"no reference values for {exercise.name}: {how_to_restore('make references')}")
    # (The exercises it builds on live in their own modules; check_with_needs checks them there.)
    if not callable(resolve(module, exercise.name)):
        report.wrong(f"{module.__name__} has no function {exercise.name}")
        return report
    for case in exercise.cases:
        inputs = case.make_inputs()
        report.inputs[case.name] = inputs
        try:
            # Overflow or 0/0 inside a formula is a bug here (every correct formula is stable on
            # these inputs), so turn NumPy's warnings into errors that we can point at.
            with np.errstate(over="raise", invalid="raise", divide="raise"):
                outputs = exercise.run(module, inputs)
        except NotImplementedError as err:
            match = _NOT_WRITTEN.match(str(err))
            missing = match.group(1) if match else exercise.name
            report.state = TODO
            report.problems = [
                f"not written yet: fill in its TODO at {todo_location(module, exercise.name)}"
                if missing == exercise.name
                else f"can be checked once {missing} is written (it is called here)"
            ]
            return report
        except Mismatch as err:
            report.wrong(str(err))
            return report
        except FloatingPointError as err:
            where = _student_frame(err, module) or report.location
            report.wrong(f"numeric {err} at {where} when {case.name}: {exercise.stability}")
            return report
        except Exception as err:  # any crash of student code is a finding to report
            where = _student_frame(err, module) or report.location
            report.wrong(f"raised {type(err).__name__}: {err} (at {where}, when {case.name})")
            if isinstance(err, ValueError) and "matmul" in str(err):
                report.hint = MATMUL_HINT
            return report
        report.actual[case.name] = outputs
        values_wrong = []
        for out_name, expected in stored[case.key].items():
            if out_name not in outputs:
                continue
            tolerance = exercise.tolerances.get(out_name, TOLERANCE)
            before = len(report.problems)
            if not _compare(report, case.name, out_name, outputs[out_name], expected, tolerance):
                report.bad.setdefault(case.name, []).append(out_name)
                if len(report.problems) == before:
                    values_wrong.append(out_name)
        if values_wrong:
            report.wrong(wrong_outputs_line(values_wrong, case.name))
    if report.state == WRONG and exercise.diagnose is not None:
        # Hints read the expected outputs by case text, as reports do.
        refs = {case.name: stored[case.key] for case in exercise.cases}
        report.hint = exercise.diagnose(report, refs)
    return report


def sibling(module, name):
    """The module `name` of the same package as `module` (an exercise is checked in its own module)."""
    if not module.__package__ or module.__name__.endswith(f".{name}"):
        return module
    return importlib.import_module(f"{module.__package__}.{name}")


def check_with_needs(exercise, module, references, by_name, done=None):
    """check_exercise, and when it is wrong while an exercise it builds on is not done, say so.

    `by_name` maps names to Exercises; `done` caches Reports already made (name -> Report).
    """
    done = {} if done is None else done
    if exercise.name not in done:
        done[exercise.name] = check_exercise(exercise, module, references)
    report = done[exercise.name]
    if report.state == WRONG:
        for need in exercise.needs:
            if need not in done:
                done[need] = check_exercise(by_name[need], sibling(module, by_name[need].module), references)
            if done[need].state != DONE:
                report.hint = (
                    f"{need} is {done[need].state} and {exercise.name} builds on it: fix {need} first."
                )
                break
    return report


def reference_outputs(exercise, module):
    """The outputs of the reference module on every case: {case key: {output: list}} for the JSON."""
    result = {}
    for case in exercise.cases:
        outputs = exercise.run(module, case.make_inputs())
        result[case.key] = {k: np.asarray(v, dtype=np.float64).tolist() for k, v in outputs.items()}
    return result
