"""``make check``: every exercise's state (done, wrong and why, TODO), then the notebooks.

    python -m checks                    check assignment/ (what a student runs)
    python -m checks --only rnn_forward one exercise (no notebook run)
    python -m checks --only 01          one notebook: its exercises, then its outputs
    python -m checks --package DIR      check another package directory (e.g. solutions)

Exit status: 0 when everything selected is done, 1 otherwise, 2 for a bad argument.
"""

import argparse
import importlib
import re
import sys
import textwrap
from pathlib import Path

from . import speed
from .core import DONE, TODO, WRONG, Report, check_with_needs, load_references
from .notebook_runs import REFERENCE_NOTEBOOKS, ROOT, code_cell_sources, run_notebook
from .registry import BY_NAME, EXERCISES

PARTS = ("forward", "backward")  # a cell is timed once both of its sequence functions are done


class UsageError(Exception):
    """A bad argument: reported in one line, exit status 2."""


def import_package(package_dir):
    """Import the package at `package_dir` (by its directory name) and return it."""
    package_dir = Path(package_dir).resolve()
    if not (package_dir / "__init__.py").exists():
        raise UsageError(f"{package_dir} is not a Python package (no __init__.py)")
    sys.path.insert(0, str(package_dir.parent))
    return importlib.import_module(package_dir.name)


def unimportable(exercise, package, err):
    """The report for an exercise whose module does not even import."""
    path = Path(package.__file__).parent / f"{exercise.module}.py"
    where = f"{_display(path)}:{err.lineno}" if isinstance(err, SyntaxError) else _display(path)
    report = Report(exercise.name, location=where)
    report.wrong(f"{_display(path)} cannot be imported: {type(err).__name__}: {err}")
    report.hint = f"Fix the error at {where} first; nothing in that file can run until it imports."
    return report


def _display(path):
    path = Path(path).resolve()
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)


def exercises_in(notebook):
    """Names of the exercises whose functions a reference notebook calls."""
    code = "\n".join(code_cell_sources(REFERENCE_NOTEBOOKS / f"{notebook}.ipynb"))
    return [e.name for e in EXERCISES if re.search(rf"\b{e.name}\b", code)]


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


def _row(cells, widths):
    return "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=False)).rstrip()


def print_table(title, header, rows):
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print(title)
    print(_row(header, widths))
    print(_row(["-" * w for w in widths], widths))
    for row in rows:
        print(_row(row, widths))
    print()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", default=str(ROOT / "assignment"))
    parser.add_argument("--only", default="")
    parser.add_argument("--no-notebooks", action="store_true", help="skip re-running notebooks")
    parser.add_argument("--no-speed", action="store_true", help="skip timing the sequence layers")
    args = parser.parse_args(argv)

    try:
        exercises, notebooks = select(args.only.strip())
        package = import_package(args.package)
    except UsageError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    references = load_references()
    reports, cache = {}, {}
    for exercise in exercises:
        try:
            module = importlib.import_module(f"{package.__name__}.{exercise.module}")
        except Exception as err:  # a student's syntax error must not hide the other results
            reports[exercise.name] = unimportable(exercise, package, err)
            continue
        reports[exercise.name] = check_with_needs(exercise, module, references, BY_NAME, cache)

    rows = []
    for exercise in exercises:
        report = reports[exercise.name]
        note = report.problems[0] if report.state == TODO else ""
        if report.state == WRONG:
            note = "see below"
        rows.append([exercise.name, exercise.notebook, report.state, note])
    print_table(f"Exercises in {Path(args.package).name}/", ["exercise", "notebook", "state", ""], rows)

    wrong = [r for r in reports.values() if r.state == WRONG]
    for report in wrong:
        print(f"{report.exercise} is wrong ({report.location}):")
        for problem in report.problems[:6]:
            print(textwrap.fill(problem, 100, initial_indent="  - ", subsequent_indent="    "))
        if report.hint:
            print(textwrap.fill(report.hint, 100, initial_indent="  Hint: ", subsequent_indent="        "))
        print()

    timed = [
        cell
        for cell in speed.GATES
        if all(reports.get(f"{cell}_{part}") and reports[f"{cell}_{part}"].state == DONE for part in PARTS)
    ]
    if timed and not args.no_speed:
        print("Speed (timed on this machine against the matrix products each pass needs)")
        module = importlib.import_module(f"{package.__name__}.rnn_layers")
        for line, hint in speed.speed_report(module, timed):
            print(textwrap.fill(line, 100, initial_indent="  ", subsequent_indent="    "))
            if hint:
                print(textwrap.fill(hint, 100, initial_indent="    Hint: ", subsequent_indent="          "))
        print()

    notebook_ok = []
    if notebooks and not args.no_notebooks:
        rows = []
        for notebook in notebooks:
            waiting = [n for n in exercises_in(notebook) if n not in reports or reports[n].state != DONE]
            if waiting:
                states = [f"{n} ({reports[n].state})" if n in reports else n for n in waiting]
                more = f" and {len(states) - 3} more" if len(states) > 3 else ""
                rows.append([notebook, "TODO", "waits for " + ", ".join(states[:3]) + more])
                notebook_ok.append(False)
                continue
            print(f"re-running {notebook}.ipynb against {Path(args.package).name}/ ...", flush=True)
            passed, problems, log = run_notebook(notebook, args.package)
            notebook_ok.append(passed)
            if passed:
                rows.append([notebook, DONE, "every output matches the reference"])
            else:
                log_rel = log.relative_to(ROOT) if log.is_relative_to(ROOT) else log
                rows.append([notebook, WRONG, f"{problems[0]} (details: {log_rel})"])
                rows.extend(["", "", p] for p in problems[1:4])
        print_table(
            "Notebooks (re-run against the pristine reference outputs)", ["notebook", "state", ""], rows
        )

    done = sum(r.state == DONE for r in reports.values())
    todo = sum(r.state == TODO for r in reports.values())
    summary = f"{done} of {len(reports)} exercises done, {len(wrong)} wrong, {todo} TODO"
    if notebook_ok:
        summary += f"; {sum(notebook_ok)} of {len(notebook_ok)} notebooks match their reference outputs"
    print(summary)
    return 0 if done == len(reports) and all(notebook_ok) else 1


if __name__ == "__main__":
    sys.exit(main())
