"""Every notebook, re-executed against solutions/, prints exactly its saved reference outputs.

Under each of three OpenBLAS kernels and with 1 and 2 BLAS threads (`make nbval-matrix`): the printed
values are rounded, or verdicts, so every correct implementation prints the same text everywhere.
"""

import json
import os
import subprocess
import sys

import pytest

from checks.notebook_runs import REFERENCE_NOTEBOOKS, TRAINING, import_path_for, nbval_command
from tests.helpers import ROOT, SOLUTIONS

# What OpenBLAS reports running when forced to each kernel (its Prescott build reports Katmai).
CORETYPES = {"Prescott": ("Prescott", "Katmai"), "Sandybridge": ("Sandybridge",), "Haswell": ("Haswell",)}
THREADS = ["1", "2"]
NOTEBOOKS = sorted(REFERENCE_NOTEBOOKS.glob("*.ipynb"))
# Notebooks that train for minutes (TRAINING) run under the two most different settings only (the oldest
# kernel on one thread, the newest on two); their trained results are printed as verdicts anyway.
FULL_SETTINGS = {("Prescott", "1"), ("Haswell", "2")}


# Notebooks that run an experiment with the student's layers and ask for no new function.
EXPERIMENTS = {"08_counting_lstm_vs_gru"}


def notebooks_for(coretype, threads):
    if (coretype, threads) in FULL_SETTINGS:
        return NOTEBOOKS
    return [p for p in NOTEBOOKS if p.stem not in TRAINING]


BLAS_INFO = (
    "import json, numpy, threadpoolctl; numpy.ones((64, 64)) @ numpy.ones((64, 64)); "
    "print(json.dumps([(i['internal_api'], i.get('architecture'), i['num_threads']) "
    "for i in threadpoolctl.threadpool_info()]))"
)


def blas_env(coretype, threads):
    env = dict(os.environ, OPENBLAS_CORETYPE=coretype, OPENBLAS_NUM_THREADS=threads)
    env.pop("OMP_NUM_THREADS", None)
    return env


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("coretype", list(CORETYPES))
def test_matrix_notebooks_match_their_references(coretype, threads):
    env = blas_env(coretype, threads)
    info = json.loads(subprocess.check_output([sys.executable, "-c", BLAS_INFO], env=env, text=True))
    running = [(arch, n) for api, arch, n in info if api == "openblas"]
    assert running and all(arch in CORETYPES[coretype] and n == int(threads) for arch, n in running), info
    notebooks = notebooks_for(coretype, threads)
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


def test_every_notebook_has_text_a_check_and_no_saved_outputs():
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        code = [c for c in cells if c["cell_type"] == "code"]
        assert any(c["cell_type"] == "markdown" for c in cells), path.name
        if path.stem not in EXPERIMENTS:
            assert any("check(" in "".join(c["source"]) for c in code), f"{path.name} has no check cell"
        assert any("%autoreload 2" in "".join(c["source"]) for c in code), path.name
        assert all(not c["outputs"] for c in code), f"{path.name} has saved outputs: run make notebooks"
