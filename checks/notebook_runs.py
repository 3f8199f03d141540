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

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REFERENCE_NOTEBOOKS = HERE / "reference_notebooks"
SANITIZE = HERE / "nbval_sanitize.cfg"
INI = HERE / "nbval.ini"
LOG_DIR = ROOT / "build" / "check"

_FAILED = re.compile(r"^FAILED .*::Cell (\d+)")


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


def nbval_command(notebooks, extra=()):
    """The pytest command that re-executes `notebooks` and compares their outputs."""
    return [
        sys.executable, "-m", "pytest", "-c", str(INI), "--rootdir", str(ROOT),
        "--nbval", "--nbval-current-env", "--nbval-sanitize-with", str(SANITIZE),
        "-q", "-rf", *extra, *map(str, notebooks),
    ]  # fmt: skip


def code_cell_sources(notebook):
    """The source of each code cell, in the order nbval numbers them (Cell 0, Cell 1, ...)."""
    cells = json.loads(Path(notebook).read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]


def run_notebook(name, package_dir, env=None):
    """Re-run reference notebook `name` (e.g. '01_rnn_cell') with `package_dir` as `assignment`.

    Returns (passed, problems, log_path): problems name the cells whose output differs.
    """
    notebook = REFERENCE_NOTEBOOKS / f"{name}.ipynb"
    pythonpath, tmp = import_path_for(package_dir)
    run_env = dict(os.environ if env is None else env, PYTHONPATH=pythonpath)
    try:
        proc = subprocess.run(
            nbval_command([notebook]), env=run_env, capture_output=True, text=True, cwd=ROOT
        )
    finally:
        if tmp is not None:
            tmp.cleanup()
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log = LOG_DIR / f"{name}.log"
    log.write_text(proc.stdout + proc.stderr, encoding="utf-8")
    if proc.returncode == 0:
        return True, [], log
    sources = code_cell_sources(notebook)
    problems = []
    for line in proc.stdout.splitlines():
        match = _FAILED.match(line)
        if match:
            index = int(match.group(1))
            first = next((s for s in sources[index].splitlines() if s.strip()), "")
            problems.append(f"code cell {index + 1} ({first.strip()[:60]}) differs from the reference")
    if not problems:
        problems.append("nbval did not run cleanly")
    return False, problems, log
