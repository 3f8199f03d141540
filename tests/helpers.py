"""Build throw-away copies of the solved package (mutants, other implementations) and check them."""

import ast
import importlib
import itertools
import os
import shutil
import subprocess
import sys
from pathlib import Path

from course.paths import ROOT

SOLUTIONS = ROOT / "solutions"
_counter = itertools.count()


def replace_function(source, new_function):
    """`source` with each top-level function of `new_function` replacing the one of the same name.

    A mutant of a sequence backward that calls the step backward comes with the forward that makes the
    cache it reads (a list of step caches), so `new_function` may hold several functions.
    """
    new_lines = new_function.strip("\n").splitlines(keepends=True)
    for node in reversed(ast.parse(new_function.strip("\n")).body):
        if not isinstance(node, ast.FunctionDef):
            continue
        text = "".join(new_lines[node.lineno - 1 : node.end_lineno])
        lines = source.splitlines(keepends=True)
        for old in ast.parse(source).body:
            if isinstance(old, ast.FunctionDef) and old.name == node.name:
                start, end = old.lineno - 1, old.end_lineno
                source = "".join(lines[:start]) + text.rstrip("\n") + "\n" + "".join(lines[end:])
                break
        else:
            raise KeyError(f"no top-level function {node.name} in the source")
    return source


def make_package(parent, functions=(), module="rnn_layers", modules=None, name="assignment"):
    """A copy of solutions/ at parent/name with whole modules, then some functions, replaced.

    modules: {module: whole source} (a mutant's); functions: sources of replacement functions for `module`.
    """
    target = Path(parent) / name
    shutil.copytree(SOLUTIONS, target, ignore=shutil.ignore_patterns("__pycache__"))
    for mod, text in (modules or {}).items():
        (target / f"{mod}.py").write_text(text)
    path = target / f"{module}.py"
    source = path.read_text()
    for function in functions:
        source = replace_function(source, function)
    path.write_text(source)
    return target


def import_fresh(package_dir, module="rnn_layers"):
    """Import package_dir's module under a unique package name (no clash with other copies)."""
    unique = f"pkg_{next(_counter)}"
    alias = Path(package_dir).parent / unique
    alias.symlink_to(Path(package_dir).resolve(), target_is_directory=True)
    sys.path.insert(0, str(alias.parent))
    try:
        return importlib.import_module(f"{unique}.{module}")
    finally:
        sys.path.remove(str(alias.parent))


def module_for(exercise, module):
    """The module of the same package copy as `module` that holds `exercise` (e.g. captioning_rnn)."""
    return importlib.import_module(f"{module.__package__}.{exercise.module}")


def run_check_cli(package_dir, *args, env=None):
    """Run `python -m checks --package DIR ...` as a student would; return (exit code, output).

    Verdicts are remembered in a file of the package's folder (not the repository's build/), so
    that one test's passing notebook never spares another test's run; `env` may name another.
    """
    cache = Path(package_dir).parent / "check-passed.json"
    proc = subprocess.run(
        [sys.executable, "-m", "checks", "--package", str(package_dir), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "COURSE_CHECK_CACHE": str(cache), **(env or {})},
    )
    return proc.returncode, proc.stdout + proc.stderr


def run_check_json(package_dir, *args):
    """`python -m checks --json ...` as a script would run it: (exit code, stdout, stderr)."""
    proc = subprocess.run(
        [sys.executable, "-m", "checks", "--package", str(package_dir), "--json", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "COURSE_CHECK_CACHE": str(Path(package_dir).parent / "check-passed.json")},
    )
    return proc.returncode, proc.stdout, proc.stderr
