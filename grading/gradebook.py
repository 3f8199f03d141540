"""Grade a folder of submissions on this machine (`make grade SUBMISSIONS=dir`): grades.csv and feedback.

    python -m grading.gradebook SUBMISSIONS [--out grades] [--jobs 2] [--timeout 60]

SUBMISSIONS holds one folder or one .zip per student (the entry's name, without .zip, is the student's).
Everything a grade is compared with (the points table, the reference values, the hidden variants'
expected outputs computed from solutions/) is read before any student code runs. Each submission runs
in its own course copy (the student edition, built from the last commit), as a user of its own, in a
sandbox that holds neither solutions/ nor the repository (grading.sandbox); it needs root, as a
container or `sudo` gives. A submission that cannot be read, unpacked or graded gets its row with the
reason, so grades.csv always lists every entry. Writes OUT/grades.csv (student, points per exercise,
total, maximum, feedback file, notes) and OUT/feedback/STUDENT.txt; notebooks are not graded.
"""

import argparse
import csv
import re
import secrets
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tqdm import tqdm

from checks.core import load_references
from checks.registry import EXERCISES
from grading.plan import build_plan
from grading.sandbox import SandboxError, Uids, namespaces_work, readiness
from grading.submission import (
    EXERCISE_TIMEOUT,
    Graded,
    Grader,
    SubmissionError,
    feedback,
    read_submission,
)
from tools.release import ROOT, build

from .course import dataset_links, load_course_points

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def submissions_in(folder):
    """{student: path} for every entry of `folder` but hidden ones, in name order.

    A folder's student is its name; a .zip's (any case) its name without the suffix; any other entry
    keeps its whole name, and is refused with a reason when graded. When two entries would have the same
    student (`dup/` and `dup.zip`), both keep their whole names, so neither is lost.
    """
    entries = sorted(p for p in Path(folder).iterdir() if not p.name.startswith("."))
    stems = [p.stem if p.suffix.lower() == ".zip" and p.is_file() else p.name for p in entries]
    return {
        (stem if stems.count(stem) == 1 else path.name): path
        for stem, path in zip(stems, entries, strict=True)
    }


def cell(value):
    """A CSV cell that a spreadsheet shows as text, never runs as a formula."""
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_START) else text


def feedback_name(student, taken):
    """A file name for a student's feedback: letters, digits, '.', '-', '_' only, and not yet taken."""
    base = re.sub(r"[^A-Za-z0-9._-]", "_", student).strip(".") or "student"
    name, n = base, 1
    while name.lower() in taken:
        n += 1
        name = f"{base}-{n}"
    taken.add(name.lower())
    return f"{name}.txt"


def write_gradebook(out, graded, names):
    """OUT/grades.csv and OUT/feedback/STUDENT.txt for {student: Graded}; names: the item columns."""
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    taken = set()
    with open(out / "grades.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student", *names, "total", "max", "feedback", "notes"])
        for student, result in sorted(graded.items()):
            earned = {item.name: item.earned for item in result.items}
            notes = [*result.notes, *([result.failed] if result.failed else [])]
            file = feedback_name(student, taken)
            row = [earned.get(name, 0) for name in names]
            writer.writerow(
                [cell(v) for v in [student, *row, result.score, result.max_score, file, " / ".join(notes)]]
            )
            (out / "feedback" / file).write_text(feedback(result), encoding="utf-8")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("submissions", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "grades")  # make clean keeps it
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=EXERCISE_TIMEOUT, help="seconds per exercise")
    args = parser.parse_args(argv)
    if not args.submissions.is_dir():
        print(f"error: SUBMISSIONS={args.submissions} is not a folder of submissions", file=sys.stderr)
        return 2
    students = submissions_in(args.submissions)
    if not students:
        print(f"error: {args.submissions} holds no folder or .zip (one per student)", file=sys.stderr)
        return 2
    mode = "namespaces" if namespaces_work() else "user"
    with tempfile.TemporaryDirectory(prefix="grading-") as scratch:
        scratch = Path(scratch)
        scratch.chmod(0o711)  # each submission's uid passes through to its own folder, and lists nothing
        edition = scratch / "edition"
        if build(edition):
            print("error: the edition would contain solution code (see make release)", file=sys.stderr)
            return 1
        # Everything the grades are compared with, before any student code runs
        references = load_references(ROOT / "checks" / "reference_values.json")
        plan = build_plan(ROOT / "solutions", 1 + secrets.randbelow(2**31), EXERCISES, references)
        points = load_course_points(ROOT / "grading" / "points.toml")
        shown = dataset_links(edition, ROOT / "datasets")
        grader = Grader(plan, points, edition, mode, shown, args.timeout)
        uids = Uids()
        try:
            readiness(mode, uids.take(), [ROOT / "solutions", ROOT / "grading", ROOT / ".git"])
        except SandboxError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2

        def one(item):
            student, path = item
            try:
                files = read_submission(path)
            except SubmissionError as error:
                return student, Graded(failed=f"the submission could not be read: {error}")
            workdir = Path(tempfile.mkdtemp(prefix="submission-", dir=scratch))
            try:
                return student, grader.grade(files, workdir, uids.take)
            except Exception as error:  # one submission's failure is its own row, never the class's
                return student, Graded(failed=f"the grader failed on it: {type(error).__name__}: {error}")

        graded = {}
        with ThreadPoolExecutor(max(1, args.jobs)) as pool:
            for student, result in tqdm(
                pool.map(one, students.items()), total=len(students), desc="grading", unit="submission"
            ):
                graded[student] = result
    names = [e.name for e in EXERCISES]
    write_gradebook(args.out, graded, names)
    print(f"{len(graded)} submissions graded: {args.out / 'grades.csv'} and {args.out / 'feedback'}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
