"""Figures, timings, progress bars and memory addresses never break a notebook comparison.

A fixture notebook prints each of them; its outputs are saved from one run and compared, by the same
nbval command `make check` and `make test` use, with a second run that prints different values.
"""

import subprocess

import nbformat
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from checks.notebook_runs import nbval_command
from tests.helpers import ROOT

VARYING_BUT_HARMLESS = [
    "print(object())",
    "%time sum(range(1000))",
    "%timeit -n 3 -r 2 sum(range(100))",
    """import random, sys
for i in range(5):
    rate, secs = random.uniform(1, 1000), random.randint(0, 9)
    sys.stderr.write(f"\\r{(i + 1) * 20}%|{'#' * (i + 1):5}| {i + 1}/5 [00:0{secs}<00:00, {rate:.2f}it/s]")
sys.stderr.write("\\n")""",
    """import matplotlib.pyplot as plt, numpy as np
plt.plot(np.random.rand(10))
plt.show()""",
    'print(f"epoch 1 took {random.uniform(0.1, 9):.2f} s, elapsed: {random.randint(1, 99)} ms")',
    # The captioning solver's progress (verbose=True): its losses differ from machine to machine.
    """import random
for t in (1, 10, 20):
    print(f"(Iteration {t} / 20) loss: {random.uniform(0, 9):.4f}")
print(f"(Epoch 1 / 1) loss: {random.random():.4f}, metric {random.random():.4f}")""",
]


def run_nbval(cells, tmp_path):
    path = tmp_path / "fixture.ipynb"
    nb = new_notebook(cells=[new_code_cell(c) for c in cells])
    NotebookClient(nb, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    nbformat.write(nb, path)
    return subprocess.run(nbval_command([path]), cwd=ROOT, capture_output=True, text=True)


def test_varying_but_harmless_output_is_not_compared(tmp_path):
    proc = run_nbval(VARYING_BUT_HARMLESS, tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert f"{len(VARYING_BUT_HARMLESS)} passed" in proc.stdout


def test_a_value_that_really_changes_is_still_caught(tmp_path):
    proc = run_nbval(["import random\nprint(round(random.random(), 6))"], tmp_path)
    assert proc.returncode == 1 and "1 failed" in proc.stdout, proc.stdout[-3000:]


def test_a_changed_number_of_progress_lines_is_still_caught(tmp_path):
    """Only the numbers after a progress line's counter are masked, not how far training went."""
    runs = tmp_path / "runs.txt"  # the second run (nbval's) prints one progress line more than the first
    cell = (
        f"from pathlib import Path\np = Path({str(runs)!r})\n"
        "n = int(p.read_text()) + 1 if p.exists() else 1\np.write_text(str(n))\n"
        "for t in range(1, n + 2):\n    print(f'(Iteration {t} / 9) loss: 1.0')"
    )
    proc = run_nbval([cell], tmp_path)
    assert proc.returncode == 1 and "failed" in proc.stdout, proc.stdout[-3000:]


def test_timeit_warning_printed_in_one_run_only_is_not_compared(tmp_path):
    """%timeit adds "The slowest run took ..." when its runs vary, as they do on a busy machine."""
    runs = tmp_path / "runs.txt"  # the saved run prints the warning, nbval's re-run does not
    cell = (
        f"from pathlib import Path\np = Path({str(runs)!r})\n"
        "if not p.exists():\n"
        "    p.write_text('1')\n"
        "    print('The slowest run took 6.72 times longer than the fastest. This could mean that an "
        "intermediate result is being cached.')\n"
        "print('1.23 µs ± 4.5 ns per loop (mean ± std. dev. of 2 runs, 3 loops each)')\n"
        "print('after')"
    )
    proc = run_nbval([cell], tmp_path)
    assert proc.returncode == 0 and "1 passed" in proc.stdout, proc.stdout[-3000:]


def test_the_sanitize_file_has_only_complete_pairs():
    text = (ROOT / "checks" / "nbval_sanitize.cfg").read_text()
    assert text.count("\nregex: ") == text.count("\nreplace: ") == 6
