"""One submission graded in a copy of the course: its files in, the graded check, its verdicts out.

Shared by the Gradescope autograder (``grading.gradescope``) and the local gradebook
(``grading.gradebook``). Only the files a student edits are taken from a submission (wherever they are
in it); anything else is ignored, and a missing file leaves the handed-out stub, so its exercises
count as TODO. The check runs with ``--grading``: every output is compared by the grader, hidden
variants with fresh inputs are checked against expectations computed here from ``solutions/`` before
any student code runs, and no verdict record is read or written.
"""

import io
import json
import os
import pwd
import resource
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from checks.grading import hidden_expectations, save_expectations
from checks.registry import EXERCISES

STUDENT_FILES = sorted({f"{exercise.module}.py" for exercise in EXERCISES})
TIME_LIMIT = 3600  # seconds for a whole submission; each exercise and notebook cell has its own limit
MEMORY_LIMIT = 8 * 2**30  # bytes of address space per process of the submission's check
PROCESSES = 512  # processes of the grading user at once (the check needs a few dozen)


@dataclass
class Graded:
    """The verdicts of one submission: the check's JSON document (None if it gave none), and notes."""

    doc: dict = None
    notes: list = field(default_factory=list)
    taken: list = field(default_factory=list)  # the files taken from the submission


def submitted_files(submission):
    """{file name: path} of the files a student edits, found anywhere in a folder or a .zip.

    A file under an `assignment/` folder wins over one of the same name elsewhere.
    """
    submission = Path(submission)
    if submission.is_file():
        return {}
    found = {}
    for path in sorted(submission.rglob("*.py"), key=lambda p: ("assignment" not in p.parts, len(p.parts))):
        if path.name in STUDENT_FILES and path.is_file() and not path.is_symlink():
            found.setdefault(path.name, path)
    return found


def unpack(submission, into):
    """A folder holding the submission: the folder itself, or a .zip extracted into `into`."""
    submission = Path(submission)
    if submission.is_file() and submission.suffix == ".zip":
        with zipfile.ZipFile(submission) as archive:
            for member in archive.infolist():
                target = (into / member.filename).resolve()
                if target.is_relative_to(into.resolve()) and Path(member.filename).suffix == ".py":
                    archive.extract(member, into)  # only .py files, never outside `into`
        return into
    return submission


def install(submission, course):
    """Put the submission's files over the handed-out stubs in course/assignment; returns (taken, notes)."""
    package = course / "assignment"
    if package.exists():
        shutil.rmtree(package)
    shutil.copytree(course / "checks" / "pristine_assignment", package)
    found, notes = submitted_files(submission), []
    for name in STUDENT_FILES:
        if name in found:
            shutil.copyfile(found[name], package / name)
        else:
            notes.append(f"assignment/{name} was not submitted: its exercises count as not done")
    return sorted(found), notes


def limits(memory):
    """For the check's process: a cap on each process's memory, inherited by everything it starts."""

    def apply():
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        # A fork loop stops here (for a user other than root, whom this limit does not bind)
        resource.setrlimit(resource.RLIMIT_NPROC, (PROCESSES, PROCESSES))

    return apply


def hidden_variants(solutions, offset):
    """The expected outputs of the hidden variants at `offset`, as the bytes the check reads on stdin.

    Computed once per class (or per Gradescope submission), in the grader, from solutions/.
    """
    expected = io.BytesIO()
    save_expectations(hidden_expectations(solutions, offset, EXERCISES), offset, expected)
    return expected.getvalue()


def run_graded_check(course, hidden, notebooks=True, time_limit=TIME_LIMIT, memory=MEMORY_LIMIT, user=None):
    """Run the graded check in `course` with the hidden variants `hidden` (see hidden_variants).

    Returns (JSON document or None, notes).
    """
    command = [sys.executable, "-m", "checks", "--grading", "--json", "--hidden-expected", "-"]
    command += ["--points", str(course / "grading" / "points.toml")]
    if not notebooks:
        command.append("--no-notebooks")
    env = dict(os.environ, PYTHONPATH=str(course))
    env.pop("COURSE_CHECK_CACHE", None)
    if user:
        env["HOME"] = "/tmp"  # Jupyter's runtime files; the user has no home
    extra = {"user": user, "group": pwd.getpwnam(user).pw_gid, "extra_groups": []} if user else {}
    try:
        proc = subprocess.run(
            command, cwd=course, env=env, input=hidden, capture_output=True,
            timeout=time_limit, preexec_fn=limits(memory), **extra,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return None, [f"the check did not finish within {time_limit} s"]
    out = proc.stdout.decode("utf-8", "replace")
    try:
        doc = json.loads(out[out.index("{") :])
    except ValueError:
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        reason = " / ".join(tail)
        return None, [f"the check gave no verdicts (exit code {proc.returncode}): {reason}"]
    return doc, []


def grade(submission, course, hidden, **options):
    """Grade one submission (a folder or a .zip) in `course`, a fresh copy of the student edition."""
    scratch = course / "build" / "submission"
    scratch.mkdir(parents=True, exist_ok=True)
    try:
        folder = unpack(submission, scratch)
    except (zipfile.BadZipFile, OSError) as error:
        return Graded(notes=[f"the submission could not be read: {error}"])
    taken, notes = install(folder, course)
    doc, more = run_graded_check(course, hidden, **options)
    return Graded(doc=doc, notes=notes + more, taken=taken)


def feedback(graded):
    """What a student reads: every exercise and notebook with its points, problems and hint."""
    lines = list(graded.notes)
    if graded.doc is None:
        return "\n".join([*lines, "No points: the check could not grade this submission."]) + "\n"
    doc = graded.doc
    lines.append(f"Score: {doc['score']:g} of {doc['max_score']:g}")
    for item in doc["exercises"] + doc["notebooks"]:
        lines.append(f"\n{item['name']}: {item['state']} ({item['earned']:g} of {item['points']:g})")
        lines += [f"  - {problem}" for problem in item["problems"]]
        if item.get("hint"):
            lines.append(f"  Hint: {item['hint']}")
    lines += [f"\n{problem}" for problem in doc["file_problems"]]
    return "\n".join(lines) + "\n"
