"""Re-execute the pristine reference notebooks against a package and compare with nbval.

The reference notebooks (``checks/reference_notebooks/``) hold the outputs that ``solutions/``
produced. A student's own copies in ``notebooks/`` are never read here, so saving a notebook
after running it with a wrong implementation cannot make the check pass.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from course.paths import BUILD, CHECKS, REFERENCE_NOTEBOOKS, ROOT

from .isolation import RUNNING, child_env, kill_group

SANITIZE = CHECKS / "nbval_sanitize.cfg"
INI = CHECKS / "nbval.ini"
LOG_DIR = BUILD / "check"

_FAILED = re.compile(r"^FAILED .*::Cell (\d+)")
_TIMED_OUT = re.compile(r"Cell (\d+): Timeout of")  # nbval's report of a cell it interrupted

# Notebooks that train models for minutes; in the others every cell takes at most 3 s (measured with
# the reference solution on 2 cores), and each cell gets CELL_TIMEOUT, 100 times that. The slowest
# training cell (notebook 07's) takes about 2 min on one core of the 2-core machine, 6 min when it had
# both BLAS threads of a busy machine: those notebooks' cells get TRAINING_CELL_TIMEOUT, so that a
# student's layers 5x slower than the reference still finish. A cell can hang here only when every
# exercise passed its own time-limited check. `make check TIMEOUT=...` scales both limits.
TRAINING = {
    "05_image_captioning",
    "06_gru_and_gradient_flow",
    "07_char_language_model",
    "08_counting_lstm_vs_gru",
    "09_attention_captioning",
    "10_sequence_to_sequence",
    "11_linear_recurrences",
}
CELL_TIMEOUT = 300
TRAINING_CELL_TIMEOUT = 1800


def cell_timeout_for(name, scale=1.0):
    """Seconds each cell of notebook `name` may take (`scale` from `make check TIMEOUT=...`)."""
    return scale * (TRAINING_CELL_TIMEOUT if name in TRAINING else CELL_TIMEOUT)


def import_path_for(package_dir):
    """A PYTHONPATH under which `import assignment` finds `package_dir`, with the repo root after it.

    Returns (pythonpath, tempdir or None); the caller keeps the tempdir alive while it is used.
    """
    package_dir = Path(package_dir).resolve()
    if package_dir.name == "assignment":
        return os.pathsep.join([str(package_dir.parent), str(ROOT)]), None
    tmp = tempfile.TemporaryDirectory(prefix="standin-")
    (Path(tmp.name) / "assignment").symlink_to(package_dir, target_is_directory=True)
    return os.pathsep.join([tmp.name, str(ROOT)]), tmp


def nbval_command(notebooks, extra=(), cell_timeout=TRAINING_CELL_TIMEOUT):
    """The pytest command that re-executes `notebooks` and compares their outputs."""
    return [
        sys.executable, "-m", "pytest", "-c", str(INI), "--rootdir", str(ROOT),
        "--nbval", "--nbval-current-env", "--nbval-sanitize-with", str(SANITIZE),
        f"--nbval-cell-timeout={cell_timeout:g}", "-p", "checks.nbval_plugin",
        "-q", "-rf", *extra, *map(str, notebooks),
    ]  # fmt: skip


def code_cell_sources(notebook):
    """The source of each code cell, in the order nbval numbers them (Cell 0, Cell 1, ...)."""
    cells = json.loads(Path(notebook).read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]


def _run(command, env):
    """Run `command` in its own process group (Ctrl-C stops it through isolation.stop_all)."""
    proc = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    RUNNING.add(proc)
    try:
        out, _ = proc.communicate()
    finally:
        RUNNING.discard(proc)
        kill_group(proc)  # the kernel or anything the student's code started must not outlive it
    return proc.returncode, out.decode("utf-8", "replace")


def run_notebook(name, package_dir, env=None, cell_timeout=None):
    """Re-run reference notebook `name` (e.g. '01_rnn_cell') with `package_dir` as `assignment`.

    Returns (passed, problems, log_path): problems name the cells whose output differs, or the
    cell that did not finish within `cell_timeout` seconds.
    """
    notebook = REFERENCE_NOTEBOOKS / f"{name}.ipynb"
    cell_timeout = cell_timeout_for(name) if cell_timeout is None else cell_timeout
    pythonpath, tmp = import_path_for(package_dir)
    run_env = child_env(dict(env or {}, PYTHONPATH=pythonpath))
    try:
        returncode, out = _run(nbval_command([notebook], cell_timeout=cell_timeout), run_env)
    finally:
        if tmp is not None:
            tmp.cleanup()
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log = LOG_DIR / f"{name}.log"
    log.write_text(plain_log(out), encoding="utf-8")
    if returncode == 0:
        return True, [], log
    return False, cell_problems(notebook, out, cell_timeout), log


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_NBVAL_CELL = re.compile(r"\bCell (\d+)\b")
LOG_LEGEND = (
    "A re-run of the reference notebook with your code, compared with its saved outputs (nbval's report).\n"
    "Cells are numbered as in `make check`'s table (code cell 1 is the first code cell). In each\n"
    "difference, lines marked 'yours' are what your code printed, lines marked 'expected' the\n"
    "reference's.\n\n"
)


def plain_log(out):
    """nbval's report as a student reads it: no colour codes, the table's cell numbers, and the two
    sides of a difference named (pytest marks the test output '-' and the reference '+')."""
    text = _ANSI.sub("", out)
    text = _NBVAL_CELL.sub(lambda m: f"code cell {int(m.group(1)) + 1}", text)
    text = re.sub(r"(?m)^(\s*)- ", r"\1yours    | ", text)
    text = re.sub(r"(?m)^(\s*)\+ ", r"\1expected | ", text)
    text = text.replace(
        "assert reference_output == test_output failed:", "your output differs from the reference's:"
    )
    return LOG_LEGEND + text


def cell_problems(notebook, out, cell_timeout):
    """One line per failing cell of nbval's output `out`, in the notebook's numbering."""
    sources = code_cell_sources(notebook)
    timed_out = {int(m) for m in _TIMED_OUT.findall(out)}
    problems = []
    for line in out.splitlines():
        match = _FAILED.match(line)
        if match:
            index = int(match.group(1))
            first = next((s for s in sources[index].splitlines() if s.strip()), "").strip()[:60]
            if index in timed_out:
                problems.append(f"code cell {index + 1} ({first}) did not finish within {cell_timeout:g} s")
            else:
                problems.append(f"code cell {index + 1} ({first}) differs from the reference")
    if not problems:
        problems.append("nbval did not run cleanly")
    return problems
