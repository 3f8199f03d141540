"""Produce the notebooks' reference outputs by executing them against solutions/ (`make notebooks`).

    python -m tools.notebooks            execute every notebook, write checks/reference_notebooks/
    python -m tools.notebooks --verify   exit 1 if a reference notebook's cells differ from notebooks/

notebooks/ holds what students open: cells without outputs (a student's own run fills them).
checks/reference_notebooks/ holds the same cells with the outputs solutions/ printed; nbval and
`make check` compare against those. Outputs are never typed by hand: edit notebooks/, then run this.

All or nothing: every notebook is executed first, and the files are written only if all of them ran;
a failed or timed-out cell leaves the tree as it was. Each cell may take as long as `make check` allows
it (checks.notebook_runs.cell_timeout_for: the training notebooks' limit fits the slowest of them).
Saved outputs in notebooks/ are copied to notebooks/.backup/ (which no clean target deletes) before
they are stripped.
"""

import argparse
import os
import shutil
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from checks.notebook_runs import REFERENCE_NOTEBOOKS, cell_timeout_for, import_path_for
from course.paths import NOTEBOOKS, ROOT

BACKUPS = NOTEBOOKS / ".backup"  # ignored by git, kept by `make clean`
KERNELSPEC = {"name": "rnn-course", "display_name": "Python 3 (RNN course)", "language": "python"}
# The figures stay in the reference copies as PNG (what a student compares theirs with, and what `make
# site` publishes; nbval never compares pictures); other renderings of them would only add size.
DROPPED_DATA = ("image/jpeg", "image/svg+xml", "application/pdf")


def normalized(nb):
    """The notebook with stable metadata and cell ids, so that diffs show only real edits."""
    nb.metadata = nbformat.from_dict({"kernelspec": KERNELSPEC, "language_info": {"name": "python"}})
    for index, cell in enumerate(nb.cells):
        cell.id = f"c{index:02d}"
        cell.metadata = nbformat.from_dict({k: v for k, v in cell.metadata.items() if k == "tags"})
    return nb


def stripped(nb):
    """The student copy: no outputs, no execution counts."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


def execute(path, package_dir, cell_timeout=None):
    """Execute a notebook with `package_dir` standing in for `assignment`; return the result.

    Each cell may take `cell_timeout` seconds (default: what `make check` allows this notebook's cells).
    """
    cell_timeout = cell_timeout_for(path.stem) if cell_timeout is None else cell_timeout
    nb = normalized(nbformat.read(path, as_version=4))
    pythonpath, tmp = import_path_for(package_dir)
    saved = dict(os.environ)
    # The kernel inherits this process's environment: the stand-in package, and strict rounding so
    # that a printed value too close to a rounding boundary fails here, not on a student's machine.
    os.environ.update(PYTHONPATH=pythonpath, COURSE_STRICT_ROUNDING="1")
    try:
        client = NotebookClient(
            nb, kernel_name="python3", timeout=cell_timeout, record_timing=False,
            resources={"metadata": {"path": str(REFERENCE_NOTEBOOKS)}},
        )  # fmt: skip
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(saved)
        if tmp is not None:
            tmp.cleanup()
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            for key in DROPPED_DATA:
                output.get("data", {}).pop(key, None)
    return nb


def cell_sources(nb):
    return [(cell.cell_type, cell.source) for cell in nb.cells]


def verify(notebooks=NOTEBOOKS, references=REFERENCE_NOTEBOOKS):
    """Every notebook has a reference copy with the same cells, and no reference is orphaned."""
    problems = []
    ours = {p.stem for p in notebooks.glob("*.ipynb")}
    refs = {p.stem for p in references.glob("*.ipynb")}
    problems += [f"notebooks/{n}.ipynb has no reference outputs" for n in sorted(ours - refs)]
    problems += [f"reference {n}.ipynb has no notebook in notebooks/" for n in sorted(refs - ours)]
    for name in sorted(ours & refs):
        mine = nbformat.read(notebooks / f"{name}.ipynb", as_version=4)
        ref = nbformat.read(references / f"{name}.ipynb", as_version=4)
        if cell_sources(mine) != cell_sources(ref):
            problems.append(f"notebooks/{name}.ipynb was edited after its reference outputs were made")
    for problem in problems:
        print(problem)
    if problems:
        print("Regenerate with: make notebooks")
        return 1
    print(f"reference notebooks match notebooks/ ({len(ours)} notebooks)")
    return 0


def write_student_copy(path, backups=BACKUPS):
    """Rewrite notebooks/NAME.ipynb without outputs; a copy that had outputs is backed up first.

    Outputs in notebooks/ are someone's run (a maintainer's or a student's); stripping them must not
    lose them. Returns the backup's path, or None when nothing needed keeping.
    """
    current = nbformat.read(path, as_version=4)
    had_outputs = any(c.get("outputs") for c in current.cells if c.cell_type == "code")
    backup = None
    if had_outputs:
        backups.mkdir(parents=True, exist_ok=True)
        backup = backups / f"{path.stem}.{time.strftime('%Y%m%d-%H%M%S')}.ipynb"
        shutil.copy2(path, backup)
        shown = backup.relative_to(ROOT) if backup.is_relative_to(ROOT) else backup
        print(f"  {path.name} had saved outputs: kept a copy as {shown}")
    nbformat.write(stripped(normalized(current)), path)
    return backup


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verify", action="store_true")
    parser.add_argument("names", nargs="*", help="notebook names (default: all)")
    args = parser.parse_args(argv)
    if args.verify:
        return verify()
    REFERENCE_NOTEBOOKS.mkdir(exist_ok=True)
    paths = sorted(NOTEBOOKS.glob("*.ipynb"))
    if args.names:
        paths = [p for p in paths if p.stem in args.names or p.name in args.names]
    executed = {}
    for path in paths:
        started = time.monotonic()
        print(f"executing {path.name} against solutions/ ...", flush=True)
        try:
            executed[path] = execute(path, ROOT / "solutions")
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as error:
            reason = str(error).strip().splitlines()
            print(f"{path.name} failed: {reason[-1] if reason else type(error).__name__}", file=sys.stderr)
            print(
                "Nothing was written: every notebook must run before any reference is replaced.",
                file=sys.stderr,
            )
            return 1
        print(f"  ran in {time.monotonic() - started:.0f} s", flush=True)
    for path, ref in executed.items():
        nbformat.write(ref, REFERENCE_NOTEBOOKS / path.name)
        write_student_copy(path)
    print(f"wrote {len(executed)} reference notebook(s) in {REFERENCE_NOTEBOOKS.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
