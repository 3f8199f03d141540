"""Grading: points, and verdicts a submission cannot forge (checks.grading, grading.plan, grading.submission).

`make check --json` gives a student the points; a grade comes from the grader, which runs each worker
in a sandbox and compares the outputs itself.
"""

import json
import os
import shutil

import numpy as np
import pytest

from checks.core import WRONG, check_exercise, load_references
from checks.exercise_runs import ExerciseRun
from checks.grading import Verifier, case_outputs, load_variants, save_variants
from checks.registry import BY_NAME, EXERCISES
from grading.course import load_course_points
from grading.plan import build_plan
from grading.sandbox import Uids
from grading.submission import Grader
from tests.helpers import (
    ROOT,
    SOLUTIONS,
    import_fresh,
    make_package,
    module_for,
    run_check_cli,
    run_check_json,
)
from tests.mutants_linear_rnn import LINEAR_RNN_MUTANTS
from tests.test_check_cli import stubs_package
from tests.test_no_false_alarms import ALT
from tools.release import INCLUDE

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="grading runs each submission as a uid of its own")

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
    code, out, _ = run_check_json(package_dir, "--no-notebooks", "--no-speed", *args)
    return code, json.loads(out)


def test_json_is_all_of_stdout_and_the_table_still_reaches_the_student_on_stderr(tmp_path):
    code, out, err = run_check_json(stubs_package(tmp_path), "--no-speed", "--only", "01")
    doc = json.loads(out)  # nothing but the document
    assert code == 1 and "Exercises in assignment/" in err and "Notebooks (re-run" in err, err
    assert [(n["name"], n["state"], n["earned"]) for n in doc["notebooks"]] == [("01_rnn_cell", "TODO", 0)]
    assert doc["notebooks"][0]["problems"] == ["waits for rnn_step_forward (TODO)"]


def test_a_notebooks_state_is_data_never_read_back_from_its_text():
    """A wrong notebook is wrong whatever its first problem says (the table's text once decided it)."""
    from checks.notebook_phase import rows
    from checks.results import Item, NotebookResult

    wrong = NotebookResult("01_rnn_cell", "wrong", ("waits for nothing: Cell 7 differs",), log="build/x.log")
    todo = NotebookResult("01_rnn_cell", "TODO", ("waits for rnn_step_forward (TODO)",))
    assert Item.of_notebook(wrong, 2).state == "wrong" and Item.of_notebook(todo, 2).state == "TODO"
    headline = "waits for nothing: Cell 7 differs (details: build/x.log)"
    assert rows(wrong) == [["01_rnn_cell", "wrong", "", headline]]
    assert rows(todo) == [["01_rnn_cell", "TODO", "", "waits for rnn_step_forward (TODO)"]]


def test_json_has_every_verdict_with_its_points(tmp_path):
    code, doc = verdicts(stubs_package(tmp_path))
    assert code == 1
    assert [e["name"] for e in doc["exercises"]] == [e.name for e in EXERCISES]
    assert all(e["state"] == "TODO" and e["earned"] == 0 and e["points"] == 1 for e in doc["exercises"])
    assert all("fill in its TODO at assignment/" in e["problems"][0] for e in doc["exercises"][:1])
    assert doc["score"] == 0 and doc["max_score"] == len(EXERCISES)


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
    from checks.points import load_points

    table = ROOT / "grading" / "points.toml"

    exercises, notebooks = load_points(table, [e.name for e in EXERCISES], all_notebooks())
    text = table.read_text()
    assert all(name in text for name in [*exercises, *notebooks])


def edition(tmp_path):
    """The student edition as the working tree has it (make release builds it from the last commit)."""
    target = tmp_path / "edition"
    for part in INCLUDE:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, target / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (target / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target / part)
    return target


def grade(tmp_path, files, exercises=EXERCISES, offset=4242, hidden=None):
    """{exercise: Item} of a submission {file: text}, graded in a namespace sandbox on `exercises` (and
    the exercises they build on)."""
    names = []

    def add(name):
        for need in BY_NAME[name].needs:
            add(need)
        if name not in names:
            names.append(name)

    for exercise in exercises:
        add(exercise.name)
    exercises = [BY_NAME[name] for name in names]
    plan = build_plan(SOLUTIONS, offset, exercises, load_references(), hidden)
    points = load_course_points(ROOT / "grading" / "points.toml")
    grader = Grader(plan, points, edition(tmp_path), "namespaces", exercises=exercises)
    workdir = tmp_path / "work"
    workdir.mkdir()
    graded = grader.grade({name: text.encode() for name, text in files.items()}, workdir, Uids().take)
    return {item.name: item for item in graded.items}


@needs_root
def test_a_forger_fools_make_check_but_not_the_grader(tmp_path):
    package = make_package(tmp_path)
    path = package / "rnn_layers.py"
    source = path.read_text().replace(
        "next_h = np.tanh(x @ Wx + prev_h @ Wh + b)", "next_h = np.tanh(x @ Wx)"
    )
    path.write_text(source + FORGER)
    _, doc = verdicts(package, "--only", "rnn_step_forward")
    assert doc["exercises"][0]["state"] == "done"  # it fools only itself...
    item = grade(tmp_path, {"rnn_layers.py": source + FORGER}, [BY_NAME["rnn_step_forward"]])[
        "rnn_step_forward"
    ]
    assert item.state == "wrong" and item.earned == 0, item  # ...never a grade
    assert "next_h is wrong on 'all three terms are on'" in item.problems


@needs_root
def test_an_answer_copied_for_the_published_cases_fails_the_hidden_variants(tmp_path):
    package = make_package(tmp_path, functions=[HARD_CODED])
    _, doc = verdicts(package, "--only", "rnn_step_forward")
    assert doc["exercises"][0]["state"] == "done"  # make check has only the published cases
    source = (package / "rnn_layers.py").read_text()
    item = grade(tmp_path, {"rnn_layers.py": source}, [BY_NAME["rnn_step_forward"]])["rnn_step_forward"]
    assert item.state == "wrong" and item.earned == 0, item
    assert all("hidden variant" in p for p in item.problems) and "not seen" in item.hint


@pytest.mark.parametrize("offset", [1, 77, 4096, 2**31 - 1])
def test_a_correct_implementation_written_differently_passes_every_hidden_variant(tmp_path, offset):
    module = import_fresh(make_package(tmp_path, modules=ALT))
    plan = build_plan(SOLUTIONS, offset, EXERCISES, load_references())
    verifier = Verifier(plan.expected)
    for exercise in EXERCISES:
        save_variants(plan.variants[exercise.name], tmp_path / "variants.pkl")  # as the worker reads them
        variants = load_variants(tmp_path / "variants.pkl")
        arrays, errors = case_outputs(exercise, module_for(exercise, module), variants)
        assert verifier.problems(exercise, arrays, errors) == [], exercise.name


def test_a_wrong_implementation_fails_the_verifier_on_every_variant_it_gets_wrong(tmp_path):
    exercise = BY_NAME["rnn_step_forward"]
    wrong = "def rnn_step_forward(x, prev_h, Wx, Wh, b):\n    return np.tanh(x @ Wx + prev_h @ Wh), None\n"
    module = import_fresh(make_package(tmp_path, functions=[wrong]))
    plan = build_plan(SOLUTIONS, 5, [exercise], load_references())
    save_variants(plan.variants[exercise.name], tmp_path / "variants.pkl")
    arrays, errors = case_outputs(exercise, module, load_variants(tmp_path / "variants.pkl"))
    found = Verifier(plan.expected).problems(exercise, arrays, errors)
    assert "next_h is wrong on a hidden variant of 'all three terms are on'" in found
    assert "next_h is wrong on 'only the bias is on (x = 0, prev_h = 0)'" in found
    arrays.pop("0/b_only/next_h")
    assert "next_h is missing on 'only the bias is on (x = 0, prev_h = 0)'" in Verifier(
        plan.expected
    ).problems(exercise, arrays, errors)


def test_a_check_made_in_the_students_process_is_feedback_never_a_grade(tmp_path):
    """parallel_linear_scan's line count runs where student code can switch it off (docs/grading.md): the
    grader leaves that case out, so a loop earns what its outputs earn, and make check still flags it."""
    exercise = BY_NAME["parallel_linear_scan"]
    assert [case.key for case in exercise.cases if not case.graded] == ["s_parallel"]
    plan = build_plan(SOLUTIONS, 5, [exercise], load_references())
    assert not [key for key in plan.variants[exercise.name] if key.endswith("/s_parallel")]
    assert [key for key in plan.variants[exercise.name] if key.endswith("/s_all")] == ["0/s_all", "5/s_all"]
    loop = next(m for m in LINEAR_RNN_MUTANTS if m.name == "a loop over time")
    module = import_fresh(make_package(tmp_path, modules={"linear_rnn": loop.source}))
    student = module_for(exercise, module)
    assert check_exercise(exercise, student, load_references()).state == WRONG
    save_variants(plan.variants[exercise.name], tmp_path / "variants.pkl")
    arrays, errors = case_outputs(exercise, student, load_variants(tmp_path / "variants.pkl"))
    assert Verifier(plan.expected).problems(exercise, arrays, errors) == []


def arrays_in(obj):
    """Every float array inside nested dicts, lists and tuples."""
    if isinstance(obj, np.ndarray) and obj.dtype.kind == "f":
        return [obj]
    if isinstance(obj, dict):
        return [a for v in obj.values() for a in arrays_in(v)]
    if isinstance(obj, list | tuple):
        return [a for v in obj for a in arrays_in(v)]
    return []


def test_the_worker_is_handed_inputs_and_never_an_expected_output(tmp_path):
    plan = build_plan(SOLUTIONS, 9, EXERCISES, load_references())
    for exercise in EXERCISES:
        save_variants(plan.variants[exercise.name], tmp_path / "v.pkl")
        handed = load_variants(tmp_path / "v.pkl")
        assert handed.keys() == plan.expected[exercise.name].keys()
        expected = [v for _, outputs in plan.expected[exercise.name].values() for v in outputs.values()]
        raw = (tmp_path / "v.pkl").read_bytes()
        inputs = b"".join(np.asarray(a, dtype=np.float64).tobytes() for a in arrays_in(handed))
        # (Some cases expect an input back by design, e.g. next_c = prev_c when the forget gate is open)
        leaked = [v for v in expected if v.size > 4 and v.tobytes() in raw and v.tobytes() not in inputs]
        assert not leaked, exercise.name


def test_two_threads_building_plans_do_not_shift_each_other():
    from concurrent.futures import ThreadPoolExecutor

    exercises = [e for e in EXERCISES if e.module == "char_lm"]
    references = load_references()
    alone = build_plan(SOLUTIONS, 12345, exercises, references).expected
    with ThreadPoolExecutor(4) as pool:
        together = list(
            pool.map(lambda _: build_plan(SOLUTIONS, 12345, exercises, references).expected, range(8))
        )
    for result in together:
        for name in alone:
            assert result[name].keys() == alone[name].keys()
            for key, (_, outputs) in alone[name].items():
                assert all(np.array_equal(result[name][key][1][k], v) for k, v in outputs.items())


@needs_root
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
    source = (package / "rnn_layers.py").read_text()
    item = grade(tmp_path, {"rnn_layers.py": source}, [BY_NAME["rnn_forward"]])["rnn_forward"]
    assert item.state == "wrong"
    assert item.problems == ["h is wrong on the hidden case 'a long batch (N = 4, T = 30)'"]


def test_the_instructors_guide_lists_the_files_the_grader_takes():
    import re

    from grading.submission import STUDENT_FILES

    guide = (ROOT / "docs" / "grading.md").read_text()
    section = guide.split("## What students submit")[1].split("##")[0]
    assert sorted(re.findall(r"^- `assignment/(\w+\.py)`$", section, re.M)) == STUDENT_FILES


def test_saved_outputs_that_would_take_more_memory_than_allowed_are_not_loaded():
    import io

    from checks.isolation import load_arrays

    honest = io.BytesIO()
    np.savez_compressed(honest, h=np.zeros((50, 50)))
    assert load_arrays(honest.getvalue())["h"].shape == (50, 50)
    assert load_arrays(honest.getvalue(), limit=1000) is None  # 20 kB of arrays, from a 200-byte file
    assert load_arrays(b"not a zip") is None


def test_every_exercise_draws_other_inputs_in_its_hidden_variants():
    """An exercise whose hidden variants had the published inputs could be answered from the public
    reference values (a lookup table): every one must differ somewhere."""
    import pickle

    plan = build_plan(SOLUTIONS, 123, EXERCISES, load_references())
    for exercise in EXERCISES:
        variants = plan.variants[exercise.name]
        published = [pickle.dumps(inputs) for key, (_, inputs) in variants.items() if key.startswith("0/")]
        hidden = [pickle.dumps(inputs) for key, (_, inputs) in variants.items() if key.startswith("123/")]
        assert any(h not in published for h in hidden), exercise.name


def test_grading_refuses_where_it_could_not_isolate_a_submission(tmp_path, monkeypatch):
    import grading.sandbox as sandbox

    secret = tmp_path / "solutions"
    secret.mkdir()
    uid = sandbox.Uids().take()
    if os.geteuid() == 0:
        sandbox.readiness("namespaces", uid, [secret])  # there the secrets do not exist in the sandbox
        with pytest.raises(sandbox.SandboxError, match="cannot run|could read"):
            sandbox.readiness("user", uid, [secret, ROOT / "solutions"])
    monkeypatch.setattr(sandbox.os, "geteuid", lambda: 1000)
    with pytest.raises(sandbox.SandboxError, match="needs root"):
        sandbox.readiness("namespaces", uid, [secret])


class _NoWorker:
    """A launcher that refuses to start anything: whatever it is asked to run fails the test."""

    def __getattr__(self, name):  # results_inside, command, ...: the first thing a worker's start asks
        raise AssertionError("a worker was started")


def test_the_exercises_of_a_file_as_handed_out_are_todo_without_a_worker(tmp_path):
    names = ["source_attention_forward", "source_attention_backward"]  # built on nothing of another file
    run = ExerciseRun(
        tmp_path, [BY_NAME[n] for n in names], BY_NAME, 10, launcher=_NoWorker(), stubs={"seq2seq"}
    )
    reports = run.run()
    assert [reports[n].state for n in names] == ["TODO", "TODO"]
    assert "seq2seq.py is the file as handed out" in reports[names[0]].problems[0]
    with pytest.raises(AssertionError, match="a worker was started"):
        ExerciseRun(tmp_path, [BY_NAME[names[0]]], BY_NAME, 10, launcher=_NoWorker()).run()
