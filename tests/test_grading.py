"""Grading: --json with points, and verdicts a submission cannot forge (checks.grading)."""

import json

import numpy as np
import pytest

from checks.core import load_references
from checks.grading import Verifier, case_outputs, hidden_expectations
from checks.registry import EXERCISES
from tests.helpers import SOLUTIONS, import_fresh, make_package, module_for, run_check_cli
from tests.test_check_cli import stubs_package
from tests.test_no_false_alarms import ALT

FORGER = """
import checks.core as _core  # a forger: every comparison made in its own process passes
_core.normwise_error = lambda actual, expected: 0.0
"""

HARD_CODED = """
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    # An answer copied from the reference values: the stored next_h of the published case with the
    # same inputs (found by their first number), whatever the inputs are
    import json
    from pathlib import Path

    import checks

    stored = json.loads((Path(checks.__file__).parent / "reference_values.json").read_text())
    from checks.registry import find

    for case in find("rnn_step_forward").cases:
        if case.key in stored["rnn_step_forward"]:
            published = np.asarray(stored["rnn_step_forward"][case.key]["next_h"])
            if published.shape == (x.shape[0], Wh.shape[0]) and np.isclose(
                published.flat[0], np.tanh(x @ Wx + prev_h @ Wh + b).flat[0]
            ):
                return published, None
    return np.zeros((x.shape[0], Wh.shape[0])), None
"""


def verdicts(package_dir, *args):
    code, out = run_check_cli(package_dir, "--json", "--no-notebooks", *args)
    return code, json.loads(out[out.index("{") :])


def test_json_has_every_verdict_with_its_points(tmp_path):
    code, doc = verdicts(stubs_package(tmp_path))
    assert code == 1
    assert [e["name"] for e in doc["exercises"]] == [e.name for e in EXERCISES]
    assert all(e["state"] == "TODO" and e["earned"] == 0 and e["points"] == 1 for e in doc["exercises"])
    assert all("fill in its TODO at assignment/" in e["problems"][0] for e in doc["exercises"][:1])
    assert doc["score"] == 0 and doc["max_score"] == len(EXERCISES) and not doc["grading"]


def test_the_points_come_from_the_table_an_instructor_edits(tmp_path):
    points = tmp_path / "points.toml"
    points.write_text('[exercises]\nrnn_step_forward = 3\n"CaptioningRNN.loss" = 0\n')
    package = make_package(tmp_path)
    code, doc = verdicts(package, "--points", str(points))
    assert code == 0
    by_name = {e["name"]: e for e in doc["exercises"]}
    assert by_name["rnn_step_forward"]["points"] == by_name["rnn_step_forward"]["earned"] == 3
    assert by_name["CaptioningRNN.loss"]["points"] == 0 and by_name["rnn_forward"]["points"] == 1
    assert doc["score"] == doc["max_score"] == len(EXERCISES) - 1 + 2
    points.write_text("[exercises]\nrnn_step_forwrd = 3\n")
    code, out = run_check_cli(package, "--json", "--points", str(points))
    assert code == 2 and "rnn_step_forwrd" in out and "which the course does not have" in out


def test_the_repository_points_table_names_every_exercise_and_notebook():
    from checks.__main__ import all_notebooks
    from checks.points import DEFAULT_FILE, load_points

    exercises, notebooks = load_points(DEFAULT_FILE, [e.name for e in EXERCISES], all_notebooks())
    text = DEFAULT_FILE.read_text()
    assert all(name in text for name in [*exercises, *notebooks])


def test_a_forger_fools_make_check_but_not_the_grader(tmp_path):
    package = make_package(tmp_path)
    layers = package / "rnn_layers.py"
    source = layers.read_text().replace(
        "next_h = np.tanh(x @ Wx + prev_h @ Wh + b)", "next_h = np.tanh(x @ Wx)"
    )
    layers.write_text(source + FORGER)
    _, doc = verdicts(package, "--only", "rnn_step_forward")
    assert doc["exercises"][0]["state"] == "done"  # it fools only itself...
    _, doc = verdicts(package, "--only", "rnn_step_forward", "--grading")
    exercise = doc["exercises"][0]
    assert exercise["state"] == "wrong" and exercise["earned"] == 0, exercise  # ...never a grade
    assert "next_h is wrong on 'all three terms are on'" in exercise["problems"]


def test_an_answer_copied_for_the_published_cases_fails_the_hidden_variants(tmp_path):
    package = make_package(tmp_path, functions=[HARD_CODED])
    _, doc = verdicts(package, "--only", "rnn_step_forward", "--grading")
    assert doc["exercises"][0]["state"] == "done"  # without solutions/, only the published cases
    _, doc = verdicts(package, "--only", "rnn_step_forward", "--grading", "--solutions", str(SOLUTIONS))
    exercise = doc["exercises"][0]
    assert exercise["state"] == "wrong" and doc["hidden_variants"], exercise
    assert all("hidden variant" in p for p in exercise["problems"]) and "not seen" in exercise["hint"]


@pytest.mark.parametrize("offset", [1, 77, 4096, 2**31 - 1])
def test_a_correct_implementation_written_differently_passes_every_hidden_variant(tmp_path, offset):
    module = import_fresh(make_package(tmp_path, modules=ALT))
    verifier = Verifier(load_references(), (offset, hidden_expectations(SOLUTIONS, offset, EXERCISES)))
    for exercise in EXERCISES:
        arrays, errors = case_outputs(exercise, module_for(exercise, module), verifier.offsets)
        assert verifier.problems(exercise, arrays, errors) == [], exercise.name


def test_grading_reads_and_writes_no_verdict_record(tmp_path):
    package = make_package(tmp_path)
    record = tmp_path / "record.json"
    env = {"COURSE_CHECK_CACHE": str(record)}
    code, out = run_check_cli(package, "--only", "01", "--grading", "--json", env=env)
    assert code == 0, out
    doc = json.loads(out[out.index("{") :])
    assert doc["notebooks"] == [
        {"name": "01_rnn_cell", "state": "done", "problems": [], "points": 1, "earned": 1}
    ]
    assert not record.exists()
    code, out = run_check_cli(package, "--only", "01", env=env)  # make check itself does keep a record
    assert code == 0 and record.exists(), out


def test_two_threads_computing_hidden_variants_do_not_shift_each_other():
    from concurrent.futures import ThreadPoolExecutor

    exercises = [e for e in EXERCISES if e.module == "char_lm"]
    alone = hidden_expectations(SOLUTIONS, 12345, exercises)
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda _: hidden_expectations(SOLUTIONS, 12345, exercises), range(8)))
    for result in together:
        assert result.keys() == alone.keys()
        assert all(np.array_equal(result[k], alone[k]) for k in alone)


def test_an_instructors_hidden_case_catches_what_the_published_cases_miss(tmp_path):
    """A forward right only for T <= 9 (the published cases' longest) passes make check, not a grade."""
    short_memory = """
def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    states, prev_h = [], h0
    for t in range(T):
        prev_h = np.tanh(x[:, t] @ Wx + (prev_h if t < 10 else h0) @ Wh + b)
        states.append(prev_h)
    return np.stack(states, axis=1), (x, h0, Wx, Wh, np.stack(states, axis=1))
"""
    package = make_package(tmp_path, functions=[short_memory])
    _, doc = verdicts(package, "--only", "rnn_forward")
    assert doc["exercises"][0]["state"] == "done"
    _, doc = verdicts(package, "--only", "rnn_forward", "--grading", "--solutions", str(SOLUTIONS))
    exercise = doc["exercises"][0]
    assert exercise["state"] == "wrong"
    assert exercise["problems"] == ["h is wrong on the hidden case 'a long batch (N = 4, T = 30)'"]
