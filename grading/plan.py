"""What a grade is compared with: every graded variant's inputs and expected outputs.

Built by the grader before any student code runs: from solutions/ for `make grade`, and once, when
`make autograder` builds the Gradescope zip, for Gradescope (the zip then holds this plan, readable by
root only, and no solutions/). Each exercise is graded on

- its published cases, expected to give the stored reference values (what `make check` compares);
- a hidden variant of each published case, with fresh random inputs (`checks.inputs.fresh(offset)`, one
  offset per class), so that an answer copied from the reference values fails;
- the instructor's own cases (grading/hidden_cases.py), on the same fresh inputs.

The worker is handed the inputs (`Plan.variants`); only the grader holds the expected outputs.
"""

import importlib
import pickle
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from checks.inputs import fresh


@dataclass
class Plan:
    """offset: the hidden inputs' seed offset; variants: {exercise: {variant: (description, inputs)}};
    expected: {exercise: {variant: (description, {output: array})}}."""

    offset: int
    variants: dict
    expected: dict


def load_solutions(solutions_dir):
    """Import the reference package at solutions_dir (under its own name)."""
    solutions_dir = Path(solutions_dir).resolve()
    sys.path.insert(0, str(solutions_dir.parent))
    try:
        return importlib.import_module(solutions_dir.name)
    finally:
        sys.path.remove(str(solutions_dir.parent))


def build_plan(solutions_dir, offset, exercises, references, hidden=None):
    """The Plan of `exercises` at hidden offset `offset`, from the package at solutions_dir.

    hidden: {exercise: [Case]}, the instructor's own cases (grading/hidden_cases.py when None).
    """
    if hidden is None:
        from grading.hidden_cases import HIDDEN as hidden
    package = load_solutions(solutions_dir).__name__
    variants, expected = {}, {}
    for exercise in exercises:
        module = importlib.import_module(f"{package}.{exercise.module}")
        stored = references[exercise.name]
        mine, wanted = {}, {}
        graded = [case for case in exercise.cases if case.graded]
        for case in graded:
            where = f"'{case.name}'"
            mine[f"0/{case.key}"] = (where, case.make_inputs())
            wanted[f"0/{case.key}"] = (where, stored[case.key])
        with fresh(offset):
            for case in [*graded, *hidden.get(exercise.name, [])]:
                key = f"{offset}/{case.key}"
                if case.key in stored:
                    where = f"a hidden variant of '{case.name}'"
                    compared = stored[case.key]
                else:
                    where, compared = f"the hidden case '{case.name}'", None
                # Two draws of the same inputs: the worker's copy stays as the solution never touched it
                outputs = exercise.run(module, case.make_inputs())
                outputs = {
                    name: np.asarray(value, dtype=np.float64)
                    for name, value in outputs.items()
                    if compared is None or name in compared
                }
                mine[key], wanted[key] = (where, case.make_inputs()), (where, outputs)
        variants[exercise.name], expected[exercise.name] = mine, wanted
    return Plan(offset, variants, expected)


def save_plan(plan, path):
    with open(path, "wb") as f:
        pickle.dump(plan, f)


def load_plan(path):
    """The plan that save_plan wrote (the grader's own file: built by `make autograder`)."""
    with open(path, "rb") as f:
        return pickle.load(f)
