"""Verdicts a submission cannot forge: the student's side computes, a trusted process compares.

For a grade, nothing the student's code writes is taken as a verdict. The grader (``grading/``, a
process that runs no student code) hands a worker the inputs of every graded variant of an exercise's
cases: the published inputs and hidden variants with fresh random inputs and the instructor's own
cases, as a pickle of ``{variant: inputs}`` (``save_variants``). The worker runs the student's function
on each and saves every output (``case_outputs``, an .npz of plain arrays that the grader reads with
``allow_pickle=False``). The grader compares them with expectations it holds and never hands out
(``Verifier``): an exercise is done only if every output of every variant matches.

This module is data and arithmetic only: it knows nothing of where the expectations come from.
"""

import pickle

import numpy as np

from .core import TOLERANCE, Mismatch, normwise_error
from .inputs import fresh

VARIANTS_FLAG = "--variants"


def save_variants(variants, path):
    """Write {variant: (case description, inputs)} of one exercise for a worker (grader side)."""
    with open(path, "wb") as f:
        pickle.dump({key: inputs for key, (_, inputs) in variants.items()}, f)


def load_variants(path):
    """{variant: inputs} that save_variants wrote (worker side: the file is the grader's)."""
    with open(path, "rb") as f:
        return pickle.load(f)


def case_outputs(exercise, module, variants):
    """(arrays, errors) of the student's function on every variant's inputs. Worker side.

    A variant is "OFFSET/case key"; it runs inside `fresh(OFFSET)`, as the grader's solution did, for
    the runners that draw random numbers themselves (a sampler, a training loop). arrays maps
    "variant/output" to a float64 array; errors maps a variant to what the code raised.
    """
    arrays, errors = {}, {}
    for key, inputs in variants.items():
        try:
            with fresh(int(key.split("/")[0])), np.errstate(over="raise", invalid="raise", divide="raise"):
                outputs = exercise.run(module, inputs)
        except (Exception, Mismatch) as err:
            errors[key] = f"{type(err).__name__}: {err}"[:500]
            continue
        for name, value in outputs.items():
            try:
                arrays[f"{key}/{name}"] = np.asarray(value, dtype=np.float64)
            except (TypeError, ValueError):
                errors[key] = f"{name} is not an array of numbers"
    return arrays, errors


class Verifier:
    """The grader's side: the expected outputs of every variant, fixed before any student code runs.

    expected: {exercise: {variant: (description, {output: array})}}, e.g. from grading.plan.
    """

    def __init__(self, expected):
        self.expected = expected

    def problems(self, exercise, arrays, errors):
        """What the grader finds wrong in a worker's saved outputs ([] when every output matches)."""
        found = []
        for variant, (where, outputs) in self.expected[exercise.name].items():
            if variant in errors:
                found.append(f"on {where}: {errors[variant]}")
                continue
            for name, expected in outputs.items():
                tolerance = exercise.tolerances.get(name, TOLERANCE)
                actual = arrays.get(f"{variant}/{name}")
                if actual is None:
                    found.append(f"{name} is missing on {where}")
                elif actual.shape != expected.shape or not np.all(np.isfinite(actual)):
                    found.append(f"{name} has the wrong shape or NaN/inf on {where}")
                elif normwise_error(actual, expected) > tolerance:
                    found.append(f"{name} is wrong on {where}")
        return found
