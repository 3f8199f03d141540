"""The check where a new student meets it: the real slip named, every edge explained (issue 28)."""

import io
import os
import shutil
import subprocess
import sys
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from checks.core import Report
from checks.notebook_runs import plain_log
from checks.restore import restore
from tests.helpers import ROOT, make_package, run_check_cli
from tests.mutants_gated import GATED_MUTANTS


def test_each_case_is_one_line_so_the_telling_case_is_never_cut_off(tmp_path):
    mutant = next(m for m in GATED_MUTANTS if m.name == "dnext_c left out of the cell state's gradient")
    code, out = run_check_cli(
        make_package(tmp_path, modules={mutant.module: mutant.source}), "--no-notebooks", "--no-speed"
    )
    assert code == 1
    section = out.split("lstm_step_backward is wrong")[1].split("\n\n")[0]
    assert "wrong when only dnext_c is on (dnext_h = 0)" in section, section
    assert section.index("only dnext_c is on") < section.index("both upstream gradients are on"), section
    assert "is dnext_c added in?" in section and "... and" not in section, section


def test_a_cut_list_names_the_command_that_shows_it_whole():
    from checks.__main__ import SHOWN, print_wrong

    report = Report("rnn_forward", state="wrong", problems=[f"problem {i}" for i in range(SHOWN + 3)])
    for shown, whole in ((["rnn_forward", "rnn_backward"], False), (["rnn_forward"], True)):
        out = io.StringIO()
        with redirect_stdout(out):
            print_wrong({"rnn_forward": report, "rnn_backward": Report("rnn_backward")}, shown)
        text = out.getvalue()
        assert (f"problem {SHOWN + 2}" in text) == whole, text
        assert ("... and 3 more: `make check ONLY=rnn_forward` lists them all" in text) != whole, text


def test_make_check_works_from_the_notebooks_folder_where_lab_terminals_open():
    proc = subprocess.run(
        ["make", "-n", "check", "ONLY=01"], cwd=ROOT / "notebooks", capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert '-m checks --only "01"' in proc.stdout, proc.stdout


@pytest.mark.parametrize("missing", ["numpy", "nbval"])
def test_another_python_is_told_in_one_line_which_command_to_run(tmp_path, missing):
    """A Python without the course's packages (simulated by hiding one of them) gets one line."""
    hider = tmp_path / "hide"
    hider.mkdir()
    (hider / "sitecustomize.py").write_text(
        "import importlib.util, sys\n"
        "class Hide:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        f"        if name == {missing!r}:\n"
        f"            raise ModuleNotFoundError('No module named {missing}')\n"
        "sys.meta_path.insert(0, Hide())\n"
        "_find = importlib.util.find_spec\n"
        f"importlib.util.find_spec = lambda name, *a: None if name == {missing!r} else _find(name, *a)\n"
    )
    env = {**os.environ, "PYTHONPATH": f"{hider}{os.pathsep}{ROOT}"}
    proc = subprocess.run(
        [sys.executable, "-m", "checks", "--only", "01"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    lines = [line for line in (proc.stdout + proc.stderr).splitlines() if line.strip()]
    assert proc.returncode != 0 and len(lines) == 1, lines
    assert "is not the course's Python" in lines[0] and "make check" in lines[0], lines


def test_an_edited_provided_module_is_named_and_how_to_put_it_back(tmp_path):
    package = make_package(tmp_path)
    path = package / "gradient_check.py"
    path.write_text(path.read_text().replace("h=1e-5", "h=1e-3", 1) + "\n# edited\n")
    code, out = run_check_cli(package, "--only", "rnn_step_forward", "--no-speed")
    assert "gradient_check.py is not the file handed out" in out and "make restore" in out, out


def test_the_notebook_log_is_plain_text_in_the_tables_numbering_with_both_sides_named():
    raw = (
        "\x1b[31mFAILED\x1b[0m notebooks/01.ipynb::Cell 1\n"
        "  assert reference_output == test_output failed:\n"
        "  - 0.123\n"
        "  + 0.456\n"
    )
    text = plain_log(raw)
    assert "\x1b" not in text and "code cell 2" in text and "Cell 1" not in text
    assert "yours    | 0.123" in text and "expected | 0.456" in text


def test_restore_says_the_stub_is_fresh_and_where_earlier_work_may_be(tmp_path):
    target = tmp_path / "assignment"
    shutil.copytree(ROOT / "assignment", target)
    checkpoint = target / ".ipynb_checkpoints" / "rnn_layers-checkpoint.py"
    checkpoint.parent.mkdir()
    checkpoint.write_text("# my work\n")
    (target / "rnn_layers.py").unlink()
    out = io.StringIO()
    assert restore(target, out=out) == ["rnn_layers.py"]
    text = out.getvalue()
    assert "your earlier work is not in it" in text
    assert "assignment/.ipynb_checkpoints/rnn_layers-checkpoint.py" in text, text


def test_in_a_terminal_make_check_ends_with_the_checks_own_line_and_elsewhere_keeps_its_status(tmp_path):
    """`script` gives make a terminal; a pipe does not."""
    command = "make check ONLY=rnn_step_forward NOTEBOOKS=0 SPEED=0"
    if not Path("/usr/bin/script").exists():
        pytest.skip("util-linux's script is not installed")
    stub_root = tmp_path / "course"
    shutil.copytree(
        ROOT, stub_root, ignore=shutil.ignore_patterns(".venv", ".git", "datasets", "build", "dist")
    )
    os.symlink(ROOT / ".venv", stub_root / ".venv")
    os.symlink(ROOT / "datasets", stub_root / "datasets", target_is_directory=True)
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    piped = subprocess.run(command.split(), cwd=stub_root, capture_output=True, text=True, env=env)
    assert piped.returncode != 0, piped.stdout + piped.stderr  # the stubs are TODO
    tty = subprocess.run(
        ["script", "-qec", command, "/dev/null"], cwd=stub_root, capture_output=True, text=True, env=env
    )
    lines = [line for line in tty.stdout.splitlines() if line.strip()]
    assert tty.returncode == 0 and "Error 1" not in tty.stdout, tty.stdout[-500:]
    assert "exercises done" in lines[-1], lines[-3:]
