"""Verdicts a submission cannot forge, for grading (``python -m checks --grading``).

In ``make check`` the worker that runs a student's code also compares its outputs with the reference
values: good enough for a student, who can only fool themselves. For a grade, the comparison moves out
of the student's process:

- the worker only computes: it saves every case's outputs (``case_outputs``), on the published inputs
  and on a hidden variant of each case with fresh random inputs (``inputs.fresh``, a new offset for
  every submission, so that an answer copied from the reference values fails);
- the grader's own process compares them (``Verifier``), with the reference values it read before any
  student code ran, and for the hidden variants with the outputs of ``solutions/`` computed here.

An exercise counts as done only if its worker found it done and the grader confirms every output.
"""

import importlib
import sys
from pathlib import Path

import numpy as np

from .core import TOLERANCE, Mismatch, normwise_error
from .inputs import fresh

OUTPUTS_FLAG = "--outputs"


def hidden_cases(exercise):
    """The cases a hidden variant runs: the published ones, and the instructor's own for this exercise
    (grading/hidden_cases.py, which the student edition does not have)."""
    try:
        from grading.hidden_cases import HIDDEN
    except ImportError:
        HIDDEN = {}
    return [*exercise.cases, *HIDDEN.get(exercise.name, [])]


def case_outputs(exercise, module, offsets):
    """(arrays, errors) of every case at every seed offset (0: the published inputs). Worker side.

    arrays maps "offset/case key/output" to a float64 array; errors maps "offset/case key" to what the
    code raised instead.
    """
    arrays, errors = {}, {}
    for offset in offsets:
        with fresh(offset):
            for case in exercise.cases if offset == 0 else hidden_cases(exercise):
                try:
                    with np.errstate(over="raise", invalid="raise", divide="raise"):
                        outputs = exercise.run(module, case.make_inputs())
                except (Exception, Mismatch) as err:
                    errors[f"{offset}/{case.key}"] = f"{type(err).__name__}: {err}"
                    continue
                for name, value in outputs.items():
                    try:
                        arrays[f"{offset}/{case.key}/{name}"] = np.asarray(value, dtype=np.float64)
                    except (TypeError, ValueError):
                        errors[f"{offset}/{case.key}"] = f"{name} is not an array of numbers"
    return arrays, errors


def load_solutions(solutions_dir):
    """Import the reference package at solutions_dir (under its own name) for the hidden variants."""
    solutions_dir = Path(solutions_dir).resolve()
    sys.path.insert(0, str(solutions_dir.parent))
    try:
        return importlib.import_module(solutions_dir.name)
    finally:
        sys.path.remove(str(solutions_dir.parent))


def hidden_expectations(solutions_dir, offset, exercises):
    """The solutions' outputs on the hidden variant `offset` of every case: {"name/case/output": array}.

    Computed by the grader before any student code runs; with them, the check needs no solutions/.
    """
    package = load_solutions(solutions_dir).__name__
    expected = {}
    with fresh(offset):
        for exercise in exercises:
            module = importlib.import_module(f"{package}.{exercise.module}")
            for case in hidden_cases(exercise):
                for name, value in exercise.run(module, case.make_inputs()).items():
                    expected[f"{exercise.name}/{case.key}/{name}"] = np.asarray(value, dtype=np.float64)
    return expected


def save_expectations(expected, offset, file):
    """Write hidden expectations (and their offset) as an .npz to a path or binary file object."""
    np.savez(file, __offset__=np.array(offset), **expected)


def load_expectations(file):
    """(offset, expected) from what save_expectations wrote."""
    with np.load(file, allow_pickle=False) as saved:
        expected = {key: saved[key] for key in saved.files if key != "__offset__"}
        return int(saved["__offset__"]), expected


class Verifier:
    """The grader's side: expected outputs fixed before any student code runs, compared here.

    references: the published reference values; hidden: (offset, hidden_expectations) or None.
    """

    def __init__(self, references, hidden=None):
        self.references = references
        self.hidden_offset, self.hidden = hidden if hidden is not None else (None, {})

    @property
    def offsets(self):
        return [0] if self.hidden_offset is None else [0, self.hidden_offset]

    def expected(self, exercise, offset):
        """[(case, {output: array})]: the reference values, or the solutions' outputs on a hidden variant."""
        stored = self.references[exercise.name]
        if offset == 0:
            return [(case, stored[case.key]) for case in exercise.cases]
        expected = []
        for case in hidden_cases(exercise):
            prefix = f"{exercise.name}/{case.key}/"
            outputs = {k[len(prefix) :]: v for k, v in self.hidden.items() if k.startswith(prefix)}
            if case.key in stored:  # a published case: the outputs it compares
                outputs = {k: v for k, v in outputs.items() if k in stored[case.key]}
            expected.append((case, outputs))
        return expected

    def problems(self, exercise, arrays, errors):
        """What the grader finds wrong in a worker's saved outputs ([] when every output matches)."""
        found = []
        for offset in self.offsets:
            for case, outputs in self.expected(exercise, offset):
                where = f"'{case.name}'"
                if offset:
                    published = case.key in self.references[exercise.name]
                    where = f"a hidden variant of {where}" if published else f"the hidden case {where}"
                if f"{offset}/{case.key}" in errors:
                    found.append(f"on {where}: {errors[f'{offset}/{case.key}']}")
                    continue
                for name, expected in outputs.items():
                    tolerance = exercise.tolerances.get(name, TOLERANCE)
                    actual = arrays.get(f"{offset}/{case.key}/{name}")
                    if actual is None:
                        found.append(f"{name} is missing on {where}")
                    elif actual.shape != expected.shape or not np.all(np.isfinite(actual)):
                        found.append(f"{name} has the wrong shape or NaN/inf on {where}")
                    elif normwise_error(actual, expected) > tolerance:
                        found.append(f"{name} is wrong on {where}")
        return found
