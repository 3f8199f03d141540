"""Every notebook, re-executed against solutions/, prints exactly its saved reference outputs.

Under each of three OpenBLAS kernels and with 1 and 2 BLAS threads (`make nbval-matrix`): the printed
values are rounded, or verdicts, so every correct implementation prints the same text everywhere.
The notebooks that train for minutes (TRAINING) take about 10 minutes of one core per BLAS setting,
so they run under two settings only, the two most different in rounding that are not this machine's
own: Haswell's kernels (FMA) and Sandybridge's (AVX without FMA), on one thread each.
That is `test_matrix_training_notebooks_match_their_references` (marked `training_matrix`), which
`make nbval-matrix` runs and CI runs after `make test` (.ci/run); `make test` itself re-runs every other
notebook under every setting, and the student edition's `make check` on them (tests/test_release.py).
"""

import dataclasses
import json
import os
import subprocess
import sys

import pytest

from checks.notebook_runs import REFERENCE_NOTEBOOKS, TRAINING, import_path_for, nbval_command
from checks.registry import EXERCISES, find
from tests.helpers import ROOT, SOLUTIONS, make_package

# What OpenBLAS reports running when forced to each kernel (its Prescott build reports Katmai).
CORETYPES = {"Prescott": ("Prescott", "Katmai"), "Sandybridge": ("Sandybridge",), "Haswell": ("Haswell",)}
THREADS = ["1", "2"]
NOTEBOOKS = sorted(REFERENCE_NOTEBOOKS.glob("*.ipynb"))
QUICK = [p for p in NOTEBOOKS if p.stem not in TRAINING]
SLOW = [p for p in NOTEBOOKS if p.stem in TRAINING]
TRAINING_SETTINGS = [("Haswell", "1"), ("Sandybridge", "1")]
# The release test forces this kernel on its `make check`; it lives here so the two cannot drift.
RELEASE_CORETYPE = "Haswell"


# Notebooks that run an experiment with the student's layers and ask for no new function.
EXPERIMENTS = {"08_counting_lstm_vs_gru"}


BLAS_INFO = (
    "import json, numpy, threadpoolctl; numpy.ones((64, 64)) @ numpy.ones((64, 64)); "
    "print(json.dumps([(i['internal_api'], i.get('architecture'), i['num_threads']) "
    "for i in threadpoolctl.threadpool_info()]))"
)


def blas_env(coretype, threads):
    env = dict(os.environ, OPENBLAS_CORETYPE=coretype, OPENBLAS_NUM_THREADS=threads)
    env.pop("OMP_NUM_THREADS", None)
    return env


def run_matrix_cell(coretype, threads, notebooks):
    """nbval over `notebooks` under one OpenBLAS kernel and thread count; asserts every cell matched."""
    env = blas_env(coretype, threads)
    info = json.loads(subprocess.check_output([sys.executable, "-c", BLAS_INFO], env=env, text=True))
    running = [(arch, n) for api, arch, n in info if api == "openblas"]
    assert running and all(arch in CORETYPES[coretype] and n == int(threads) for arch, n in running), info
    pythonpath, tmp = import_path_for(SOLUTIONS)
    try:
        proc = subprocess.run(
            nbval_command(notebooks),
            env=dict(env, PYTHONPATH=pythonpath),
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
    finally:
        tmp.cleanup()
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    code_cells = sum(c["cell_type"] == "code" for p in notebooks for c in json.loads(p.read_text())["cells"])
    assert f"{code_cells} passed" in proc.stdout, proc.stdout[-2000:]


@pytest.mark.training_matrix
@pytest.mark.parametrize("setting", TRAINING_SETTINGS, ids=lambda s: s[0])
@pytest.mark.parametrize("notebook", SLOW, ids=lambda p: p.stem[:2])
def test_matrix_training_notebooks_match_their_references(notebook, setting):
    run_matrix_cell(*setting, [notebook])


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("coretype", list(CORETYPES))
def test_matrix_notebooks_match_their_references(coretype, threads):
    run_matrix_cell(coretype, threads, QUICK)


def test_every_notebook_has_text_a_check_and_no_saved_outputs():
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        code = [c for c in cells if c["cell_type"] == "code"]
        assert any(c["cell_type"] == "markdown" for c in cells), path.name
        if path.stem not in EXPERIMENTS:
            assert any("check(" in "".join(c["source"]) for c in code), f"{path.name} has no check cell"
        assert any("%autoreload 2" in "".join(c["source"]) for c in code), path.name
        assert all(not c["outputs"] for c in code), f"{path.name} has saved outputs: run make notebooks"


def unchecked_exercises(exercises, notebooks=ROOT / "notebooks"):
    """Each exercise whose Exercise.notebook has no `check(<name>)` cell, as 'name -> notebook'."""
    missing = []
    for exercise in exercises:
        path = notebooks / f"{exercise.notebook}.ipynb"
        cells = json.loads(path.read_text())["cells"] if path.exists() else []
        code = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        if f"check({exercise.name})" not in code:
            missing.append(f"{exercise.name} -> {exercise.notebook}")
    return missing


def test_every_exercise_is_checked_in_the_notebook_it_names():
    """`make check` sends a student to Exercise.notebook: that notebook must have the exercise's check."""
    assert unchecked_exercises(EXERCISES) == []


def test_an_exercise_sent_to_the_wrong_notebook_is_found():
    wrong = [dataclasses.replace(find("rnn_forward"), notebook="01_rnn_cell"), find("rnn_step_forward")]
    renamed = [dataclasses.replace(find("rnn_forward"), notebook="03_sequence")]
    assert unchecked_exercises(wrong) == ["rnn_forward -> 01_rnn_cell"]
    assert unchecked_exercises(renamed) == ["rnn_forward -> 03_sequence"]


@pytest.mark.training_matrix
@pytest.mark.parametrize(
    ("module", "notebook"), [("linear_rnn", "11_linear_recurrences"), ("seq2seq", "10_sequence_to_sequence")]
)
def test_matrix_another_correct_version_passes_its_training_notebook(tmp_path, module, notebook):
    """Notebooks 10 and 11 train, so make test's run of the other correct implementation leaves them out;
    their compared outputs must not depend on how a correct module is written (nor on how fast it is)."""
    alt = {module: (ROOT / "tests" / f"alt_{module}.py").read_text()}
    pythonpath, tmp = import_path_for(make_package(tmp_path, modules=alt))
    try:
        proc = subprocess.run(
            nbval_command([REFERENCE_NOTEBOOKS / f"{notebook}.ipynb"]),
            env=dict(os.environ, PYTHONPATH=pythonpath), cwd=ROOT, capture_output=True, text=True,
        )  # fmt: skip
    finally:
        if tmp is not None:
            tmp.cleanup()
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
