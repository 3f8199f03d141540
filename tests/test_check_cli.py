"""`make check` as a student meets it: TODO stubs, a finished package, ONLY=, and the notebooks."""

import re
import shutil

from checks.notebook_runs import REFERENCE_NOTEBOOKS, nbval_command, run_notebook
from checks.registry import EXERCISES
from tests.helpers import SOLUTIONS, make_package, run_check_cli
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


def test_solutions_copied_over_assignment_pass_everything(tmp_path):
    target = tmp_path / "assignment"
    shutil.copytree(SOLUTIONS, target)
    code, out = run_check_cli(target)
    assert code == 0, out
    n, m = len(EXERCISES), len(list(REFERENCE_NOTEBOOKS.glob("*.ipynb")))
    assert f"{n} of {n} exercises done, 0 wrong, 0 TODO; {m} of {m} notebooks match" in out


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
        r"^01_rnn_cell +wrong +code cell 2 \(N, D, H = 3, 10, 4\) differs from the reference", out, re.M
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
    code, out = run_check_cli(target, "--no-notebooks")
    assert code == 1
    assert re.search(r"^rnn_step_forward +01_rnn_cell +wrong", out, re.M), out
    flat = " ".join(out.split())
    assert "cannot be imported: SyntaxError" in flat and "Fix the error at" in flat
