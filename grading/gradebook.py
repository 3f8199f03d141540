"""Grade a folder of submissions on this machine (`make grade SUBMISSIONS=dir`): grades.csv and feedback.

    python -m grading.gradebook SUBMISSIONS [--out grades] [--jobs 2] [--no-notebooks]

SUBMISSIONS holds one folder or one .zip per student (its name is the student's). Each is graded in its
own fresh copy of the student edition (built once from the last commit, as `make release` builds it),
two at a time, each check with a time limit and a memory limit per process, so that a broken or
malicious submission (deleting files, endless output, exit(), a fork loop) costs only its own grade.
Writes OUT/grades.csv (student, points per exercise and notebook, total) and OUT/feedback/STUDENT.txt.

On this machine the student's code runs as you: it cannot change another submission's grade (each has
its own copy of the course, and verdicts are decided in the grader's process), but it could read files
you can read. For untrusted code, grade in a container or with Gradescope (`make autograder`), where it
runs as a user that cannot read solutions/.
"""

import argparse
import csv
import secrets
import shutil
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tqdm import tqdm

from checks.registry import EXERCISES
from grading.submission import TIME_LIMIT, feedback, grade, hidden_variants
from tools.release import ROOT, build


def submissions_in(folder):
    """{student: path} for each folder or .zip in `folder` (hidden entries skipped)."""
    entries = sorted(p for p in Path(folder).iterdir() if not p.name.startswith("."))
    return {p.stem if p.suffix == ".zip" else p.name: p for p in entries if p.is_dir() or p.suffix == ".zip"}


def course_copy(edition, into):
    """A fresh copy of the edition for one submission, with its own copy of the built data sets (a
    submission that damages its data costs only its own grade)."""
    shutil.copytree(edition, into, symlinks=True)
    for built in (ROOT / "datasets").iterdir():
        if built.is_dir():
            shutil.copytree(built, into / "datasets" / built.name, copy_function=shutil.copy)
    shutil.copytree(ROOT / "grading", into / "grading", ignore=shutil.ignore_patterns("__pycache__"))
    return into


def columns(points_doc):
    """The gradebook's columns, in course order: every exercise, then every notebook."""
    return [item["name"] for item in points_doc["exercises"] + points_doc["notebooks"]]


def write_gradebook(out, graded, names):
    """OUT/grades.csv and OUT/feedback/STUDENT.txt for {student: Graded}."""
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    with open(out / "grades.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student", *names, "total", "max", "notes"])
        for student, result in sorted(graded.items()):
            doc = result.doc or {"exercises": [], "notebooks": [], "score": 0, "max_score": ""}
            earned = {item["name"]: item["earned"] for item in doc["exercises"] + doc["notebooks"]}
            row = [earned.get(name, 0) for name in names]
            writer.writerow([student, *row, doc["score"], doc["max_score"], " / ".join(result.notes)])
            (out / "feedback" / f"{student}.txt").write_text(feedback(result), encoding="utf-8")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("submissions", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "grades")  # make clean keeps it
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--no-notebooks", action="store_true", help="grade the exercises only (fast)")
    parser.add_argument("--time-limit", type=float, default=TIME_LIMIT, help="seconds per submission")
    args = parser.parse_args(argv)
    if not args.submissions.is_dir():
        print(f"error: SUBMISSIONS={args.submissions} is not a folder of submissions", file=sys.stderr)
        return 2
    students = submissions_in(args.submissions)
    if not students:
        print(f"error: {args.submissions} holds no folder or .zip (one per student)", file=sys.stderr)
        return 2
    names = [e.name for e in EXERCISES]
    with tempfile.TemporaryDirectory(prefix="grading-") as scratch:
        edition = Path(scratch) / "edition"
        leaks = build(edition)
        if leaks:
            print("error: the edition would contain solution code (see make release)", file=sys.stderr)
            return 1
        hidden = hidden_variants(ROOT / "solutions", 1 + secrets.randbelow(2**31))  # one for the class

        def one(item):
            student, path = item
            course = course_copy(edition, Path(scratch) / "courses" / student)
            try:
                return student, grade(
                    path, course, hidden,
                    notebooks=not args.no_notebooks, time_limit=args.time_limit,
                )  # fmt: skip
            finally:
                shutil.rmtree(course, ignore_errors=True)

        graded = {}
        with ThreadPoolExecutor(max(1, args.jobs)) as pool:
            for student, result in tqdm(
                pool.map(one, students.items()), total=len(students), desc="grading", unit="submission"
            ):
                graded[student] = result
    first = next((g.doc for g in graded.values() if g.doc), None)
    if first is not None:
        names = columns(first)
    write_gradebook(args.out, graded, names)
    print(f"{len(graded)} submissions graded: {args.out / 'grades.csv'} and {args.out / 'feedback'}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
