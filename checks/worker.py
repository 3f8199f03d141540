"""One exercise checked in a process of its own: whatever the student's code does stays in here.

    python -m checks.worker PACKAGE_DIR EXERCISE RESULT_FILE
    python -m checks.worker PACKAGE_DIR --speed rnn,lstm RESULT_FILE
    python -m checks.worker PACKAGE_DIR EXERCISE --variants INPUTS_FILE RESULT_FILE   (grading)

The parent (``python -m checks``) decides the verdict from RESULT_FILE alone: a JSON object written
at the very end. If this process exits early (``exit()``, ``os._exit``), is killed (a timeout, a flood
of output) or crashes (a segfault), RESULT_FILE stays empty and the parent says so. What the student's
code prints goes to this process's stdout, which the parent reads, counts and hides.
"""

import importlib
import json
import os
import sys
import traceback
from pathlib import Path

import numpy as np

from .grading import VARIANTS_FLAG
from .restore import shipped_names


def package_frame(tb, package_dir):
    """(path, line) of the deepest traceback frame in a file of the package, or None."""
    for frame in reversed(traceback.extract_tb(tb)):
        path = Path(frame.filename)
        if path.is_absolute() and path.resolve().is_relative_to(package_dir):
            return str(path.resolve()), frame.lineno
    return None


def source_line(path, line):
    """The text of line `line` of `path`, stripped ('' when it cannot be read)."""
    try:
        lines = Path(path).read_bytes().decode("utf-8", "replace").splitlines()
        return lines[line - 1].strip() if 0 < line <= len(lines) else ""
    except OSError:
        return ""


def exit_call(err, package_dir):
    """A description of a SystemExit raised by the package: where, and the line that called it."""
    where = package_frame(err.__traceback__, package_dir)
    info = {"code": None if err.code is None else str(err.code)}
    if where:
        info.update(file=where[0], line=where[1], text=source_line(*where))
    return info


def import_failure(err, package, module, package_dir):
    """What went wrong importing `package.module`: the true file and line, and the error."""
    name = getattr(err, "name", None) or ""
    if isinstance(err, ModuleNotFoundError) and name.startswith(f"{package}."):
        filename = f"{name.split('.')[1]}.py"
        if filename in shipped_names():  # a file of the course is missing (this module's, or one it imports)
            return {"kind": "missing", "file": str(package_dir / filename)}
    if isinstance(err, SyntaxError) and err.filename:
        return {
            "kind": "import",
            "file": str(Path(err.filename).resolve()),
            "line": err.lineno,
            "error": f"{type(err).__name__}: {err.msg}",
            "text": (err.text or "").strip(),
        }
    if isinstance(err, SystemExit):
        return {"kind": "import_exit", **exit_call(err, package_dir)}
    where = package_frame(err.__traceback__, package_dir)
    failure = {"kind": "import", "error": f"{type(err).__name__}: {err}"}
    if where:
        failure.update(file=where[0], line=where[1], text=source_line(*where))
    else:
        failure["file"] = str(package_dir / f"{module}.py")
    return failure


def import_module(package_dir, module):
    """Import `module` of the package at package_dir: (module, None) or (None, failure)."""
    sys.path.insert(0, str(package_dir.parent))
    try:
        return importlib.import_module(f"{package_dir.name}.{module}"), None
    except (Exception, SystemExit) as err:
        return None, import_failure(err, package_dir.name, module, package_dir)


def check_one(package_dir, name, outputs_file=None, variants_file=None):
    """The result of checking exercise `name` (see the module docstring).

    For grading, the outputs on every variant of `variants_file` (the grader's inputs) are also saved to
    `outputs_file` (an .npz of plain arrays), for the grader to compare (checks.grading).
    """
    from .core import check_exercise, load_references
    from .registry import find

    exercise = find(name)
    module, failure = import_module(package_dir, exercise.module)
    if failure:
        return failure
    try:
        report = check_exercise(exercise, module, load_references())
    except SystemExit as err:
        return {"kind": "exit", **exit_call(err, package_dir)}
    result = {
        "kind": "report",
        "state": report.state,
        "problems": report.problems,
        "hint": report.hint,
        "location": report.location,
    }
    if outputs_file is not None and report.state == "done":
        from .grading import case_outputs, load_variants

        try:
            arrays, result["output_errors"] = case_outputs(exercise, module, load_variants(variants_file))
        except SystemExit as err:
            return {"kind": "exit", **exit_call(err, package_dir)}
        with open(outputs_file, "wb") as f:
            np.savez(f, **arrays)
    return result


def time_cells(package_dir, cells):
    """The speed lines of `cells` (see checks.speed), timed here on the student's layers."""
    from . import speed

    module, failure = import_module(package_dir, "rnn_layers")
    if failure:
        return failure
    try:
        return {"kind": "speed", "lines": speed.speed_report(module, cells)}
    except SystemExit as err:
        return {"kind": "exit", **exit_call(err, package_dir)}
    except Exception as err:  # the exercises passed, so this is rare: say what happened, briefly
        return {"kind": "speed_error", "error": f"{type(err).__name__}: {err}"}


def main(argv):
    package_dir = Path(argv[0]).resolve()
    result_path = Path(argv[-1])
    if argv[1] == "--speed":
        result = time_cells(package_dir, argv[2].split(","))
    elif len(argv) == 5 and argv[2] == VARIANTS_FLAG:
        result = check_one(package_dir, argv[1], f"{result_path}.npz", argv[3])
    else:
        result = check_one(package_dir, argv[1])
    sys.stdout.flush()
    result_path.write_text(json.dumps(result), encoding="utf-8")
    # Skip interpreter shutdown: a student's atexit handler or thread must not change the outcome.
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1:])
