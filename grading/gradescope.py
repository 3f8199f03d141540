"""The Gradescope autograder's run (``run_autograder`` calls this), and results.json from the grade.

    python -m grading.gradescope [--root /autograder]

Gradescope's layout (its autograder specification): the course is in ROOT/source (the zip that ``make
autograder`` builds: the student edition, this folder and the plan, with no solutions/), the student's
upload in ROOT/submission, and the results go to ROOT/results/results.json: a total ``score`` and one
test per exercise and per notebook, each with ``name``, ``score``, ``max_score``, ``status``,
``output`` (what was wrong and the hint) and ``visibility``. results.json is written whatever happens.

Gradescope runs this as root. The student's code runs as a user of its own (grading.sandbox), in a
course copy outside ROOT/source; the plan (grading/plan.pkl, the expected outputs) is readable by root
only, and the grader refuses to start a submission's code if that user could read it.
"""

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from grading.course import dataset_links, load_course_points
from grading.plan import load_plan
from grading.sandbox import Uids, namespaces_work, readiness
from grading.submission import EXERCISE_TIMEOUT, Graded, Grader, SubmissionError, read_submission

VISIBILITY = "visible"  # the feedback is the point of the course; Gradescope also knows "after_due_date"
PLAN = "grading/plan.pkl"
NOT_IN_A_COPY = ("grading", ".venv", "datasets", "build", "results")  # of source/, in a course copy


def item_output(item):
    lines = [item.state] + [f"- {problem}" for problem in item.problems]
    if item.hint:
        lines.append(f"Hint: {item.hint}")
    return "\n".join(lines)


def test_name(item):
    """ "rnn_forward (notebook 03_sequences)" for an exercise, "notebook 03_sequences" for a notebook."""
    if item.kind == "exercise":
        return f"{item.name} (notebook {item.notebook})"
    return f"notebook {item.name}"


def results(graded, seconds):
    """The results.json document (Gradescope's specification) for one graded submission."""
    notes = [*graded.notes, *([f"No points: {graded.failed}"] if graded.failed else [])]
    tests = [
        {
            "name": test_name(item),
            "score": item.earned,
            "max_score": item.points,
            "status": "passed" if item.earned == item.points else "failed",
            "output": item_output(item),
            "visibility": VISIBILITY,
        }
        for item in graded.items
    ]
    done = sum(item.state == "done" for item in graded.items if item.kind == "exercise")
    summary = f"{done} of {sum(i.kind == 'exercise' for i in graded.items)} exercises done" if tests else ""
    output = "\n".join(line for line in [summary, *notes] if line)
    return {"score": graded.score, "execution_time": round(seconds), "output": output, "tests": tests}


def edition_of(source, into):
    """The student edition inside Gradescope's source/: everything but the grader's own folders."""

    def ignore(folder, names):
        return [n for n in names if n in NOT_IN_A_COPY] if Path(folder) == source else []

    shutil.copytree(source, into, symlinks=True, ignore=ignore)
    (into / "datasets").mkdir()
    return into


def grade_upload(root, timeout):
    """Graded for the upload in ROOT/submission, against ROOT/source."""
    source = root / "source"
    plan = load_plan(source / PLAN)  # before any student code runs, like everything below
    points = load_course_points(source / "grading" / "points.toml")
    mode = "namespaces" if namespaces_work() else "user"
    uids = Uids()
    readiness(mode, uids.take(), [source / PLAN])
    try:
        files = read_submission(root / "submission")
    except SubmissionError as error:
        return Graded(failed=f"the submission could not be read: {error}")
    with tempfile.TemporaryDirectory(prefix="grading-") as scratch:
        scratch = Path(scratch)
        scratch.chmod(0o711)
        edition = edition_of(source, scratch / "edition")
        shown = dataset_links(edition, source / "datasets")
        grader = Grader(plan, points, edition, mode, shown, timeout)
        workdir = scratch / "submission"
        workdir.mkdir()
        return grader.grade(files, workdir, uids.take)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path("/autograder"))
    parser.add_argument("--timeout", type=float, default=EXERCISE_TIMEOUT, help="seconds per exercise")
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        graded = grade_upload(args.root.resolve(), args.timeout)
    except Exception as error:  # never leave Gradescope without a results.json
        graded = Graded(failed=f"the autograder failed: {type(error).__name__}: {error}")
    document = results(graded, time.monotonic() - started)
    out = args.root / "results" / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=1), encoding="utf-8")
    print(document.get("output", ""))
    print(f"score {document['score']:g}; results in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
