"""`make release`: the student edition holds no solution code, and its `make check` works as in the repo."""

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from checks.registry import EXERCISES
from tests.helpers import ROOT, SOLUTIONS, replace_function
from tests.mutants import MUTANTS
from tests.test_notebooks import QUICK, RELEASE_CORETYPE
from tools.release import build, leaks, solution_bodies
from tools.stubs import planned_files

# One worker builds the edition once and runs every test that uses it.
pytestmark = pytest.mark.xdist_group("release")


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist") / "rnn-course"
    proc = subprocess.run(
        [sys.executable, "-m", "tools.release", "--out", str(out)], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


def test_the_student_edition_holds_no_solution_code(release):
    assert leaks(release, solution_bodies()) == []
    files = {p.relative_to(release).as_posix() for p in release.rglob("*") if p.is_file()}
    assert not [f for f in files if f.startswith(("solutions/", "tests/", ".ci/"))]
    assert not [f for f in files if "answers/" in f]  # the answer key to the notebooks' questions
    assert not [f for f in files if f.startswith("tools/")] and "requirements-oracle.txt" not in files
    for folder in ("checks", "course", "notebooks"):  # the folders that ship as committed, whole
        shipped = {f for f in files if f.startswith(f"{folder}/") and not f.startswith("checks/handed_out/")}
        tracked = subprocess.run(
            ["git", "ls-files", folder], cwd=ROOT, capture_output=True, text=True, check=True
        )
        assert shipped == set(tracked.stdout.split()), folder
    # assignment/ is never committed: it ships as the stub generator writes it from solutions/, and again
    # as checks/handed_out/, which make restore writes back from.
    generated = {f"assignment/{rel}" for rel in planned_files(SOLUTIONS, "assignment")}
    assert {f for f in files if f.startswith("assignment/")} == generated
    handed_out = {f for f in files if f.startswith("checks/handed_out/")}
    assert {f.replace("checks/handed_out/", "assignment/", 1) for f in handed_out} == generated
    assert {"README.md", "Makefile", "student.mk", "assignment/rnn_layers.py", "docs/conventions.md"} <= files
    assert "make test" not in (release / "README.md").read_text()
    with zipfile.ZipFile(release.parent / "rnn-course.zip") as archive:
        assert {n.removeprefix("rnn-course/") for n in archive.namelist() if not n.endswith("/")} == files


def test_nothing_in_the_repository_or_the_edition_points_outside_itself(release):
    """The conventions live in docs/conventions.md, which ships; no file refers to the folder beside it."""
    for tree in (ROOT, release):
        for path in tree.rglob("*"):
            if path.is_file() and path.suffix in {".py", ".md", ".ipynb", ".mk", ".txt", ""}:
                if {".venv", ".git", "build", "dist", "datasets"} & set(path.relative_to(tree).parts):
                    continue
                text = path.read_text(encoding="utf-8", errors="replace")
                outside = (
                    "shared" + "/conventions",
                    "../" + "shared",
                )  # (so this file does not match itself)
                assert not any(o in text for o in outside), path


def stray_make_commands(tree):
    """Each `make X` in the tree's text that is neither a target of its Makefile nor the maintainers'."""
    targets = set()
    for makefile in ("student.mk", "Makefile"):
        targets |= set(re.findall(r"^([a-z-]+):", (tree / makefile).read_text(), flags=re.M))
    found = []
    for path in tree.rglob("*"):
        if path.suffix not in {".py", ".md", ".txt", ".ipynb", ".mk"} or "reference_notebooks" in path.parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for target in re.findall(r"`make ([a-z][a-z-]*)", line):
                if target not in targets and "maintainer" not in line:
                    found.append(f"{path.relative_to(tree)}:{number}: make {target}")
    return found


def test_the_edition_sends_nobody_to_a_command_it_does_not_have(release):
    assert stray_make_commands(release) == []


def test_the_command_search_finds_a_maintainers_command(release, tmp_path):
    for name in ("student.mk", "Makefile"):
        shutil.copy2(release / name, tmp_path / name)
    (tmp_path / "README.md").write_text("Run `make check`.\nThen run `make references`.\n")
    assert stray_make_commands(tmp_path) == ["README.md:2: make references"]


def test_the_leak_search_finds_solution_code(tmp_path):
    """The search that guards the release can fail: a solved file, or one pasted line, is found."""
    (tmp_path / "a.py").write_text((SOLUTIONS / "rnn_layers.py").read_text())
    found = leaks(tmp_path, solution_bodies())
    assert any("a solution marker" in f for f in found)
    assert any("the whole body of lstm_step_backward" in f for f in found)
    (tmp_path / "a.py").write_text("x = 1\n    dc = dnext_c + dnext_h * o * (1.0 - tanh_c**2)\n")
    assert leaks(tmp_path, solution_bodies()) == [  # the attention LSTM's step repeats the LSTM's line
        "a.py: a line of attention_lstm_step_backward: dc = dnext_c + dnext_h * o * (1.0 - tanh_c**2)",
        "a.py: a line of lstm_step_backward: dc = dnext_c + dnext_h * o * (1.0 - tanh_c**2)",
    ]


def release_venv(tmp_path, release):
    """A venv for the release that borrows this one's packages (no download), set up by its own script."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    purelib = subprocess.check_output(
        [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        text=True,
    ).strip()
    Path(purelib, "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([str(venv / "bin" / "python"), "-m", "course.setup_venv"], cwd=release, check=True)
    (venv / ".installed").touch()  # what `make setup` leaves behind: the packages are in place
    return venv


def copy_built_data(release):
    """The repository's built data sets, byte for byte what the edition's `make data` would build.

    (Building them is tested in test_captioning_data.py; here `make data` only verifies them.)
    """
    for name in ("coco_captioning", "char_lm"):
        shutil.copytree(ROOT / "datasets" / name, release / "datasets" / name, dirs_exist_ok=True)


def make_check(release, venv, *args, **env_vars):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MAKEFLAGS")}
    proc = subprocess.run(
        ["make", "check", f"VENV={venv}", *args],
        cwd=release, env=dict(env, **env_vars), capture_output=True, text=True,
    )  # fmt: skip
    return proc.returncode, proc.stdout + proc.stderr


def test_make_check_in_the_student_edition_reports_todo_then_done_then_wrong(release, tmp_path):
    venv = release_venv(tmp_path, release)
    copy_built_data(release)
    n = len(EXERCISES)

    code, out = make_check(release, venv)
    assert code != 0, out
    assert f"0 of {n} exercises done, 0 wrong, {n} TODO" in out, out

    assignment = release / "assignment"
    for path in SOLUTIONS.glob("*.py"):
        shutil.copy2(path, assignment / path.name)
    # Every exercise, then each notebook that does not train, under Haswell's kernels. The notebooks that
    # train (minutes each) run in `make nbval-matrix` under both of their BLAS settings, from the
    # repository: the edition runs every notebook the same way, so these prove its packaging.
    # (The speed line is tested in the repository: test_speed_hint.py.)
    code, out = make_check(release, venv, "SPEED=0", "NOTEBOOKS=0")
    assert code == 0 and f"{n} of {n} exercises done, 0 wrong, 0 TODO" in out, out
    for notebook in QUICK:
        code, out = make_check(
            release, venv, "SPEED=0", f"ONLY={notebook.stem}", OPENBLAS_CORETYPE=RELEASE_CORETYPE
        )
        assert code == 0 and "1 of 1 notebooks match their reference outputs" in out, out

    mutant = next(m for m in MUTANTS if m.name == "weight gradients overwritten, not accumulated")
    (assignment / f"{mutant.module}.py").write_text(mutant.source)
    code, out = make_check(release, venv, "NOTEBOOKS=0")
    assert code != 0
    # Wrong: the mutated function, and only exercises built on it, each pointing back at it.
    built_on = {e.name for e in EXERCISES if "rnn_backward" in e.needs}
    wrong = set(re.findall(r"^([\w.]+) +\S+ +wrong", out, re.M))
    assert "rnn_backward" in wrong and wrong - {"rnn_backward"} <= built_on, out
    for name in wrong - {"rnn_backward"}:
        assert re.search(rf"{re.escape(name)} is wrong.*?fix\s+rnn_backward\s+first", out, re.S), (name, out)
    assert f"{n - len(wrong)} of {n} exercises done, {len(wrong)} wrong, 0 TODO" in out, out


def test_make_restore_in_the_student_edition_brings_back_only_a_missing_file(release, tmp_path):
    venv = release_venv(tmp_path, release)
    copy_built_data(release)
    assignment = release / "assignment"
    (assignment / "rnn_layers.py").unlink()
    edited = (assignment / "char_lm.py").read_text() + "# my work\n"
    (assignment / "char_lm.py").write_text(edited)
    code, out = make_check(release, venv)
    assert code != 0 and "assignment/rnn_layers.py is missing" in out and "make restore" in out, out
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MAKEFLAGS")}
    proc = subprocess.run(
        ["make", "restore", f"VENV={venv}"], cwd=release, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "wrote a fresh stub: assignment/rnn_layers.py" in proc.stdout
    assert (assignment / "rnn_layers.py").read_text() == (ROOT / "assignment" / "rnn_layers.py").read_text()
    assert (assignment / "char_lm.py").read_text() == edited


def test_build_replaces_an_old_edition(tmp_path):
    out = tmp_path / "rnn-course"
    (out / "solutions").mkdir(parents=True)
    assert build(out) == [] and not (out / "solutions").exists()


def git(*args, cwd):
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


def release_in(clone, out):
    return subprocess.run(
        [sys.executable, "-m", "tools.release", "--out", str(out)], cwd=clone, capture_output=True, text=True
    )


@pytest.fixture
def clone(tmp_path):
    """A clone of the repository's last commit, where a maintainer's working tree can be made messy."""
    path = tmp_path / "clone"
    git("clone", "--quiet", "--no-hardlinks", str(ROOT), str(path), cwd=tmp_path)
    return path


def test_the_edition_ships_stubs_and_committed_files_whatever_the_working_tree_holds(clone, tmp_path):
    update = [sys.executable, "-m", "tools.stubs", "--update"]  # what make lab does first in a clone
    subprocess.run(update, cwd=clone, check=True, capture_output=True)
    layers = clone / "assignment" / "rnn_layers.py"
    # An instructor's own answer, worded so that the leak search alone would not see it
    answer = """
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    a = x @ Wx + prev_h @ Wh + b; next_h = np.tanh(a)
    return next_h, (x, prev_h, Wx, Wh, next_h)
"""
    layers.write_text(replace_function(layers.read_text(), answer))
    (clone / "assignment" / "my_helpers.py").write_text("def helper():\n    return 42\n")
    (clone / "notebooks" / "scratch.ipynb").write_text("{}")
    notebook = clone / "notebooks" / "01_rnn_cell.ipynb"
    notebook.write_bytes(
        (clone / "checks" / "reference_notebooks" / "01_rnn_cell.ipynb").read_bytes()
    )  # outputs
    out = tmp_path / "dist" / "rnn-course"
    proc = release_in(clone, out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for stray in (  # assignment/ is never committed, so never listed: the edition always generates it
        "notebooks/scratch.ipynb",
        "notebooks/01_rnn_cell.ipynb",
    ):
        assert f"left out (not committed): {stray}" in proc.stdout, proc.stdout
    assert (out / "assignment" / "rnn_layers.py").read_text() == (
        ROOT / "assignment" / "rnn_layers.py"
    ).read_text()
    assert (out / "checks" / "handed_out" / "rnn_layers.py").read_text() == (
        ROOT / "assignment" / "rnn_layers.py"
    ).read_text()
    assert (
        not (out / "assignment" / "my_helpers.py").exists()
        and not (out / "notebooks" / "scratch.ipynb").exists()
    )
    assert (out / "notebooks" / "01_rnn_cell.ipynb").read_bytes() == (
        ROOT / "notebooks" / "01_rnn_cell.ipynb"
    ).read_bytes()


def test_a_refused_edition_leaves_nothing_behind(clone, tmp_path):
    out = tmp_path / "dist" / "rnn-course"
    assert release_in(clone, out).returncode == 0 and out.exists()  # a previous, good edition
    body = dict(solution_bodies(clone / "solutions"))["rnn_step_backward"]
    leaked = clone / "checks" / "leaked.py"
    leaked.write_text("\n".join(body) + "\n")
    git("add", "checks/leaked.py", cwd=clone)
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", "leak", cwd=clone)
    proc = release_in(clone, out)
    assert proc.returncode == 1 and "checks/leaked.py: the whole body of rnn_step_backward" in proc.stderr
    assert not out.exists() and not out.with_name("rnn-course.zip").exists()
    assert [p.name for p in out.parent.iterdir()] == []  # no staging folder either
