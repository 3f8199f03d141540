"""`make check` as a student meets it: TODO stubs, a finished package, ONLY=, and the notebooks."""

import re
import shutil
from pathlib import Path

from checks.notebook_runs import REFERENCE_NOTEBOOKS, nbval_command, run_notebook
from checks.registry import EXERCISES
from tests.helpers import ROOT, SOLUTIONS, make_package, run_check_cli
from tools.stubs import generate


def stubs_package(tmp_path):
    target = tmp_path / "assignment"
    assert generate(SOLUTIONS, target, out=open("/dev/null", "w")) == 0
    return target


def test_fresh_stubs_are_all_todo_and_the_check_fails(tmp_path):
    code, out = run_check_cli(stubs_package(tmp_path))
    assert code == 1
    for exercise in EXERCISES:
        row = next(line for line in out.splitlines() if line.startswith(exercise.name + " "))
        assert " TODO " in row, row
    assert "not written yet: fill in its TODO at" in out
    assert f"0 of {len(EXERCISES)} exercises done, 0 wrong, {len(EXERCISES)} TODO" in out
    assert "waits for rnn_step_forward (TODO)" in out


def test_solutions_copied_over_assignment_pass_every_exercise(tmp_path):
    """(Every notebook with the solutions, through `make check`: the student edition's, in test_release.)"""
    target = tmp_path / "assignment"
    shutil.copytree(SOLUTIONS, target)
    code, out = run_check_cli(target, "--no-notebooks", "--no-speed")
    assert code == 0, out
    n = len(EXERCISES)
    assert f"{n} of {n} exercises done, 0 wrong, 0 TODO" in out and "notebooks" not in out.splitlines()[-1]


def test_only_narrows_to_one_exercise(tmp_path):
    code, out = run_check_cli(stubs_package(tmp_path), "--only", "rnn_forward")
    assert code == 1
    assert "rnn_forward " in out and "rnn_step_forward " not in out and "Notebooks" not in out


def test_only_narrows_to_one_notebook_by_prefix(tmp_path):
    code, out = run_check_cli(stubs_package(tmp_path), "--only", "04")
    assert code == 1
    assert "rnn_step_backward" in out and "04_backprop_through_time" in out
    table = out.split("Notebooks")[1].split("\n\n")[0]
    notebook_rows = [line.split()[0] for line in table.splitlines()[3:]]
    assert notebook_rows == ["04_backprop_through_time"], out


def test_only_with_an_unknown_name_says_what_exists(tmp_path):
    code, out = run_check_cli(stubs_package(tmp_path), "--only", "lstm_forwrd")
    assert code == 2
    assert "matches no exercise or notebook" in out and "rnn_step_forward" in out


CHEAT = """
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    if x.shape == (3, 10):  # wrong only on the notebook's example, right on every check case
        next_h = next_h + 0.01
    return next_h, (x, prev_h, Wx, Wh, next_h)
"""


def test_the_notebooks_catch_what_the_unit_checks_miss(tmp_path):
    code, out = run_check_cli(make_package(tmp_path, [CHEAT]), "--only", "01")
    assert code == 1
    assert re.search(r"^rnn_step_forward +01_rnn_cell +done", out, re.M), out
    assert re.search(
        r"^01_rnn_cell +wrong +\d+ s +code cell 2 \(N, D, H = 3, 10, 4\) differs from the reference",
        out,
        re.M,
    )


def test_notebooks_are_compared_with_the_pristine_references_never_the_students_copies(tmp_path):
    command = nbval_command([REFERENCE_NOTEBOOKS / "01_rnn_cell.ipynb"])
    assert str(REFERENCE_NOTEBOOKS / "01_rnn_cell.ipynb") in command
    assert not any("notebooks/01" in part and "reference" not in part for part in command)
    passed, problems, log = run_notebook("01_rnn_cell", make_package(tmp_path, [CHEAT]))
    assert not passed and "code cell 2" in problems[0] and log.exists()


def test_a_file_that_does_not_import_is_reported_not_crashed_on(tmp_path):
    target = stubs_package(tmp_path)
    path = target / "rnn_layers.py"
    path.write_text(path.read_text().replace("    # TODO: compute the pre-activation", "    next_h = (\n", 1))
    code, out = run_check_cli(target, "--no-notebooks", "--no-speed")
    assert code == 1
    assert re.search(r"^rnn_step_forward +01_rnn_cell +wrong", out, re.M), out
    flat = " ".join(out.split())
    assert "does not import: SyntaxError" in flat and "Fix it first" in flat


def test_the_readme_sample_points_at_real_todo_lines_and_def_lines():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    todos = re.findall(r"fill in its TODO at (assignment/\w+\.py):(\d+)", readme)
    wrongs = re.findall(r"^ *(\w+) is wrong \((assignment/\w+\.py):(\d+)\)", readme, re.M)
    assert todos and wrongs
    for path, line in todos:
        assert "# TODO" in (ROOT / path).read_text().splitlines()[int(line) - 1], (path, line)
    for name, path, line in wrongs:
        assert (ROOT / path).read_text().splitlines()[int(line) - 1].startswith(f"def {name}("), (path, line)


def test_a_todo_points_at_the_todo_comment_not_the_def_line(tmp_path):
    code, out = run_check_cli(stubs_package(tmp_path), "--only", "rnn_forward")
    path, line = re.search(r"fill in its TODO at (\S+):(\d+)", out).groups()
    assert "# TODO" in (tmp_path / "assignment" / Path(path).name).read_text().splitlines()[int(line) - 1], (
        out
    )


def test_every_failing_case_is_one_line_with_all_its_wrong_outputs(tmp_path):
    source = """
def rnn_backward(dh, cache):
    dx, dh0, dWx, dWh, db = _solved_rnn_backward(dh, cache)
    return dx + 1, dh0 + 1, dWx + 1, dWh + 1, db + 1
"""
    package = make_package(tmp_path, [source])
    solved = (SOLUTIONS / "rnn_layers.py").read_text()
    start = solved.index("def rnn_backward(")
    end = solved.index("\ndef ", start + 1)
    renamed = solved[start:end].replace("def rnn_backward(", "def _solved_rnn_backward(", 1)
    path = package / "rnn_layers.py"
    path.write_text(path.read_text() + "\n\n" + renamed)
    code, out = run_check_cli(package, "--only", "rnn_backward")
    assert code == 1
    lines = re.findall(r"^  - (.*) are wrong when (.*)$", out, re.M)
    assert len(lines) >= 3 and all(len(outputs.split(", ")) >= 4 for outputs, _ in lines), out
    assert "... and" not in out, out
