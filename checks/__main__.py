"""``make check``: every exercise's state (done, wrong and why, TODO), then the notebooks.

    python -m checks                    check assignment/ (what a student runs)
    python -m checks --only rnn_forward one exercise (no notebook run)
    python -m checks --only 01          one notebook: its exercises, then its outputs
    python -m checks --package DIR      check another package directory (e.g. solutions)
    python -m checks --timeout 120      allow each exercise 120 s (and each notebook cell twice its limit)
    python -m checks --json             the verdicts as JSON on stdout, with points (the table: stderr)

The student's code never runs in this process: each exercise is checked in a worker process
(``checks.worker``), so an exit(), an endless loop, a crash or a flood of output becomes a verdict
here instead of ending, stalling or drowning the check.

Exit status: 0 when everything selected is done, 1 otherwise, 2 for a bad argument, 130 on Ctrl-C.
"""

import argparse
import contextlib
import importlib.util
import json
import re
import sys
import textwrap
from pathlib import Path

from course.paths import ASSIGNMENT

from . import verdict_cache
from .core import TODO, WRONG, display_path
from .exercise_runs import ExerciseRun, is_done
from .inputs import GATE_BLOCKS
from .isolation import DEFAULT_TIMEOUT, fatal_cause, run_worker, stop_all
from .notebook_phase import check_notebooks
from .notebook_runs import REFERENCE_NOTEBOOKS, code_cell_sources
from .points import PointsError, load_points
from .registry import BY_NAME, EXERCISES
from .restore import HandedOutMissing, pristine_files, shipped_names
from .results import CheckRun, document

PARTS = ("forward", "backward")  # a cell is timed once every exercise of it is done
WIDTH = 100
SHOWN = 6  # problems listed per wrong exercise in a whole check


class UsageError(Exception):
    """A bad argument: reported in one line, exit status 2."""


def exercises_in(notebook):
    """Names of the exercises whose functions a reference notebook calls."""
    code = "\n".join(code_cell_sources(REFERENCE_NOTEBOOKS / f"{notebook}.ipynb"))
    return [e.name for e in EXERCISES if re.search(rf"\b{re.escape(e.name)}\b", code)]


def all_notebooks():
    return sorted(p.stem for p in REFERENCE_NOTEBOOKS.glob("*.ipynb"))


def select(only):
    """(exercises, notebooks) that `only` names: an exercise, or a notebook (name or prefix)."""
    if not only:
        return list(EXERCISES), all_notebooks()
    by_name = [e for e in EXERCISES if e.name == only]
    if by_name:
        return by_name, []
    stem = Path(only).name.removesuffix(".ipynb")
    notebooks = [n for n in all_notebooks() if n == stem or n.startswith(stem)]
    if len(notebooks) == 1:
        used = exercises_in(notebooks[0])
        return [e for e in EXERCISES if e.name in used], notebooks
    names = ", ".join([e.name for e in EXERCISES] + all_notebooks())
    what = "several notebooks" if notebooks else "no exercise or notebook"
    raise UsageError(f"ONLY={only!r} matches {what}; use one of: {names}")


def check_package_dir(package_dir):
    """The package folder, or UsageError. Nothing of the student's package is imported here."""
    package_dir = Path(package_dir).resolve()
    if not package_dir.is_dir():
        raise UsageError(
            f"{display_path(package_dir)}/ is missing; it holds the exercises: `make restore` writes a "
            "fresh stub of each of its files"
        )
    return package_dir


def non_utf8_files(package_dir):
    """['assignment/shapes.py:3 has byte 0xe9, ...'] for each .py file that is not valid UTF-8."""
    problems = []
    for path in sorted(package_dir.glob("*.py")):
        data = path.read_bytes()
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as err:
            line = data[: err.start].count(b"\n") + 1
            problems.append(
                f"{display_path(path)}:{line} has the byte 0x{data[err.start]:02x}, which is not UTF-8 (an "
                "accented letter saved as Latin-1?): save the file as UTF-8, or remove the character"
            )
    return problems


def unknown_files(package_dir):
    """Python files in the package that the course does not ship (a renamed exercise file?)."""
    known = {f"{e.module}.py" for e in EXERCISES} | {"__init__.py"} | shipped_names()
    return [p.name for p in sorted(package_dir.glob("*.py")) if p.name not in known]


def edited_provided_modules(package_dir):
    """Names of the provided modules of the package (not an exercise's file) that differ from the files
    handed out, e.g. ['gradient_check.py'] when a student changed its step h."""
    exercise_files = {f"{e.module}.py" for e in EXERCISES}
    edited = []
    for rel, text in pristine_files().items():
        path = Path(package_dir) / rel
        if rel in exercise_files or "/" in rel or not path.is_file():
            continue
        if path.read_bytes().decode("utf-8", "replace") != text:
            edited.append(rel)
    return edited


def fill(text, first, rest):
    indents = {"initial_indent": first, "subsequent_indent": rest}
    return textwrap.fill(text, WIDTH, **indents, break_long_words=False, break_on_hyphens=False)


class Table:
    """A table printed row by row as results arrive, with widths fixed from the start."""

    def __init__(self, title, header, widths):
        self.widths = [max(w, len(h)) for w, h in zip(widths, header, strict=True)]
        print(title)
        self.row(header)
        self.row(["-" * w for w in self.widths])

    def cells(self, cells):
        return "  ".join(str(c).ljust(w) for c, w in zip(cells, self.widths, strict=False))

    def row(self, cells, end="\n"):
        """Print a row; end="\r" leaves it on a terminal's line, for the next row to overwrite."""
        clear = "\x1b[K" if sys.stdout.isatty() else ""
        print(self.cells(cells).rstrip() + clear, end=end, flush=True)


def exercise_note(report):
    if report.state == TODO or report.waits_for is not None:
        return report.problems[0]
    if report.state == WRONG:
        return "see below"
    if report.printed:
        return f"(it printed {report.printed} lines while being checked; not shown)"
    return ""


def check_exercises(package_dir, exercises, timeout):
    """Decide the exercises, printing a row as each is decided, in course order. Returns the run."""
    run = ExerciseRun(package_dir, exercises, BY_NAME, timeout)
    shown = [e.name for e in exercises]
    widths = [max(len(n) for n in shown), max(len(e.notebook) for e in exercises), 5]
    table = Table(f"Exercises in {package_dir.name}/", ["exercise", "notebook", "state", ""], widths + [0])
    printed = 0

    def on_decided(_report):
        nonlocal printed
        while printed < len(shown) and shown[printed] in run.reports:
            report = run.reports[shown[printed]]
            table.row(
                [report.exercise, BY_NAME[report.exercise].notebook, report.state, exercise_note(report)]
            )
            printed += 1

    run.run(on_decided)
    print()
    return run


def file_problem_lines(problem, package_dir):
    """What a student reads about a file of the package that is missing or does not import."""
    if problem.kind == "missing":
        others = unknown_files(package_dir)
        which = "it is" if len(others) == 1 else "one of them is"
        renamed = (
            f"{package_dir.name}/ has {', '.join(others)}, which the course does not ship: if {which} the "
            "renamed file, give it its name back. "
            if others
            else ""
        )
        advice = renamed + "`make restore` writes a fresh stub for every missing file and touches no other."
        return [f"{problem.file} is missing (deleted or renamed?).", fill(advice, "  ", "  ")]
    if problem.kind == "import_exit":
        quoted = f": {problem.text}" if problem.text else ""
        advice = "Remove it: a file of the package should only define things when it is imported."
        return [f"{problem.where} calls exit() while being imported{quoted}", fill(advice, "  ", "  ")]
    lines = [f"{problem.where} does not import: {problem.error}"]
    if problem.text:
        lines.append(f"    {problem.line} | {problem.text}")
    advice = "Fix it first: nothing in that file, or in a file that imports it, can run until it imports."
    return [*lines, fill(advice, "  ", "  ")]


def print_file_problems(run, package_dir):
    for problem in run.file_problems.values():
        print("\n".join(file_problem_lines(problem, package_dir)))
        print()


def print_wrong(reports, shown):
    """What is wrong in each wrong exercise: at most SHOWN problems each, all of them when only one
    exercise is checked (`make check ONLY=name`, which the cut list names)."""
    limit = None if len(shown) == 1 else SHOWN
    for name in shown:
        report = reports[name]
        if report.state != WRONG or report.waits_for is not None:
            continue
        where = f" ({report.location})" if report.location else ""
        print(f"{report.exercise} is wrong{where}:")
        for problem in report.problems[:limit]:
            print(fill(problem, "  - ", "    "))
        if limit is not None and len(report.problems) > limit:
            print(f"  - ... and {len(report.problems) - limit} more: `make check ONLY={name}` lists them all")
        if report.hint:
            print(fill(report.hint, "  Hint: ", "        "))
        print()


def timed_cells(reports):
    """The cells (rnn, lstm, gru) all of whose checked exercises are done, forward and backward."""
    cells = []
    for cell in GATE_BLOCKS:
        mine = [r for n, r in reports.items() if n.startswith(f"{cell}_")]
        if all(is_done(reports.get(f"{cell}_{part}")) for part in PARTS) and all(map(is_done, mine)):
            cells.append(cell)
    return cells


def check_speed(package_dir, cells, timeout):
    """Time the finished cells in a worker (cached while rnn_layers.py and the check are unchanged)."""
    print("Speed (timed on this machine against the matrix products each pass needs)")
    key, value = "speed:" + ",".join(cells), verdict_cache.digest(package_dir)
    record = verdict_cache.passed_before(key, value)
    if record:
        lines = record["lines"]
        print(f"  (measured {record['when']}; nothing has changed since)")
    else:
        outcome = run_worker((package_dir, "--speed", ",".join(cells)), timeout * 10)
        cause = fatal_cause(outcome, timeout * 10)
        if cause or outcome.result.get("kind") != "speed":
            print(
                fill(
                    f"not timed: {cause or outcome.result.get('error', outcome.result['kind'])}", "  ", "    "
                )
            )
            print()
            return
        lines = outcome.result["lines"]
        verdict_cache.remember(key, value, lines=lines)
    for line, hint in lines:
        print(fill(line, "  ", "    "))
        if hint:
            print(fill(hint, "    Hint: ", "          "))
    print()


def notebooks_phase(package_dir, notebooks, reports, time_scale, encoding_problems):
    """Re-run the notebooks whose exercises are all done, a row per notebook. Returns {notebook:
    NotebookResult}."""
    table = Table(
        "Notebooks (re-run against the pristine reference outputs)",
        ["notebook", "state", "time", ""],
        [max(len(n) for n in notebooks), 5, 7, 0],
    )
    blocked = "cannot run until every file of the package is UTF-8 (see above)" if encoding_problems else None
    results = check_notebooks(package_dir, notebooks, reports, table, exercises_in, time_scale, blocked)
    print()
    return results


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", default=str(ASSIGNMENT))
    parser.add_argument("--only", default="")
    parser.add_argument("--no-notebooks", action="store_true", help="skip re-running notebooks")
    parser.add_argument("--no-speed", action="store_true", help="skip timing the sequence layers")
    parser.add_argument("--timeout", default="", help=f"seconds per exercise (default {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--json", action="store_true", help="print the verdicts as JSON, with points")
    parser.add_argument("--points", default=None, help="the points table (default: a point each)")
    parser.add_argument("--no-cache", action="store_true", help="re-run everything, record nothing")
    return parser.parse_args(argv)


def timeout_from(text):
    if not str(text).strip():
        return DEFAULT_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = -1
    if not value > 0:
        raise UsageError(f"TIMEOUT={text!r} should be a number of seconds, e.g. TIMEOUT=120")
    return value


def run_checks(args, package_dir, exercises, notebooks, timeout):
    """Run everything `make check` runs, printing the table as results arrive. Returns the CheckRun."""
    encoding_problems = non_utf8_files(package_dir)
    for problem in encoding_problems:
        print(fill(problem, "", "  "))
    if encoding_problems:
        print()

    run = check_exercises(package_dir, exercises, timeout)
    print_file_problems(run, package_dir)
    edited = edited_provided_modules(package_dir)
    for name in edited:
        note = (
            f"{display_path(package_dir / name)} is not the file handed out: it is provided (the notebooks "
            "and the checks rely on it), not an exercise. To put it back, delete it and run `make restore`."
        )
        print(fill(note, "", "  "))
    if edited:
        print()
    shown = [e.name for e in exercises]
    print_wrong(run.reports, shown)
    result = CheckRun(
        display_path(package_dir),
        {name: run.reports[name] for name in shown},
        file_problems=[" ".join(file_problem_lines(p, package_dir)) for p in run.file_problems.values()],
        encoding_problems=encoding_problems,
        edited=edited,
    )

    cells = timed_cells(result.exercises)
    if cells and not args.no_speed:
        check_speed(package_dir, cells, timeout)

    if notebooks and not args.no_notebooks:
        time_scale = max(1.0, timeout / DEFAULT_TIMEOUT)
        result.notebooks = notebooks_phase(package_dir, notebooks, run.reports, time_scale, encoding_problems)
        if edited and not all(n.passed for n in result.notebooks.values()):
            names = ", ".join(display_path(package_dir / name) for name in edited)
            print(
                fill(f"A notebook that differs may differ because {names} was edited (see above).", "", "  ")
            )
            print()
    print(result.summary)
    return result


NOTEBOOK_PACKAGES = ("nbval", "jupyter_client", "ipykernel")  # what re-running a notebook needs


def missing_packages(notebooks):
    """One line on a Python without what the check needs (the course's venv has it all), or None."""
    missing = [name for name in NOTEBOOK_PACKAGES if notebooks and importlib.util.find_spec(name) is None]
    if not missing:
        return None
    return (
        f"{sys.executable} is not the course's Python (it has no {', '.join(missing)}): run `make check` "
        "in the course folder, which uses the course's own environment (.venv/)"
    )


def main(argv=None):
    args = parse_args(argv)
    wrong_python = missing_packages(not args.no_notebooks)
    if wrong_python:
        print(f"error: {wrong_python}", file=sys.stderr)
        return 2
    try:
        exercises, notebooks = select(args.only.strip())
        package_dir = check_package_dir(args.package)
        timeout = timeout_from(args.timeout)
        if args.json:
            points = load_points(args.points, [e.name for e in EXERCISES], all_notebooks())
        pristine_files()  # assignment/ as handed out, which the check compares with: there, or say how
    except (UsageError, PointsError, HandedOutMissing) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.no_cache:
        verdict_cache.enabled = False
    if not args.json:
        result = run_checks(args, package_dir, exercises, notebooks, timeout)
    else:
        # The table goes to stderr, where a student still sees it arrive; stdout holds the JSON only.
        with contextlib.redirect_stdout(sys.stderr):
            result = run_checks(args, package_dir, exercises, notebooks, timeout)
        notebook_of = {e.name: e.notebook for e in EXERCISES}
        items = result.items(points, notebook_of)
        problems = [*result.file_problems, *result.encoding_problems]
        print(json.dumps(document(result.package, items, problems, result.summary), indent=1))
    return 0 if result.all_done else 1


def entry():
    """main(), with Ctrl-C reported in one line and every worker stopped."""
    # A terminal under an ASCII locale cannot print the table's ✓ or a student's é: replace them.
    for stream in (sys.stdout, sys.stderr):
        stream.reconfigure(errors="replace")
    try:
        return main()
    except KeyboardInterrupt:
        stop_all()
        print("\ninterrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(entry())
