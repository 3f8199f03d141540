"""The Gradescope autograder and the local gradebook, on correct, partial, broken and malicious submissions.

Both run the exercises only (no notebooks): the notebooks' grading is the same check as `make check`'s,
run by the release tests.
"""

import csv
import json
import shutil
import subprocess
import sys
import zipfile

import pytest

from checks.registry import EXERCISES
from tests.helpers import ROOT, SOLUTIONS
from tools.autograder import SCRIPTS, build_autograder

pytestmark = pytest.mark.xdist_group("grading")

N = len(EXERCISES)
RNN_EXERCISES = sum(e.module == "rnn_layers" for e in EXERCISES)
SPEC_FIELDS = {"name", "score", "max_score", "status", "output", "visibility"}

MALICIOUS = {
    # exits while being imported
    "char_lm.py": "exit('bye')\n",
    # floods the output, then vandalises the course copy it runs in and forges what it can
    "captioning_rnn.py": (
        "import pathlib\n"
        "course = pathlib.Path(__file__).resolve().parents[1]\n"
        "for path in (course / 'checks').rglob('*.json'):\n"
        "    path.write_text('{}')\n"
        "(course / 'grading' / 'points.toml').write_text('[exercises]\\nrnn_step_forward = 1000\\n')\n"
        "while True:\n"
        "    print('x' * 100)\n"
    ),
}


def solution_files(*names):
    return {name: (SOLUTIONS / name).read_text() for name in names}


def forger_layers():
    """Wrong layers that make every comparison in their own process pass."""
    source = (SOLUTIONS / "rnn_layers.py").read_text()
    source = source.replace("next_h = np.tanh(x @ Wx + prev_h @ Wh + b)", "next_h = np.tanh(x @ Wx)")
    return source + "\nimport checks.core\nchecks.core.normwise_error = lambda a, b: 0.0\n"


def write_submission(folder, files, extra=None):
    (folder / "assignment").mkdir(parents=True)
    for name, text in files.items():
        (folder / "assignment" / name).write_text(text)
    for name, text in (extra or {}).items():  # anything else a student uploads
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


SUBMISSIONS = {
    "correct": lambda: solution_files(
        "rnn_layers.py", "captioning_rnn.py", "char_lm.py", "attention_layers.py"
    ),
    "partial": lambda: solution_files("rnn_layers.py"),
    "broken": lambda: {
        "captioning_rnn.py": "def loss(:\n",
        **solution_files("rnn_layers.py", "char_lm.py", "attention_layers.py"),
    },
    "malicious": lambda: {"rnn_layers.py": forger_layers(), **MALICIOUS},
}
# What each should earn: the partial submission only its layers, the broken one all but captioning.
CAPTIONING = [e.name for e in EXERCISES if e.module == "captioning_rnn"]
EXPECTED = {"correct": N, "partial": RNN_EXERCISES, "broken": N - len(CAPTIONING)}
# The malicious one earns nothing where it forges, floods or exits (its other layers are the reference's,
# which earn their points unless its own vandalism of its course copy costs them).
FORGED = ["rnn_step_forward", "rnn_step_backward", *CAPTIONING, "sample_with_temperature"]
FORGED += ["truncated_bptt_epoch"]
FORGED_CHECKS = {"checks/reference_values.json": "{}", "checks/core.py": "normwise_error = None\n"}


@pytest.fixture(scope="module")
def autograder(tmp_path_factory):
    """The autograder zip, extracted as Gradescope extracts it into /autograder/source, with data."""
    root = tmp_path_factory.mktemp("gradescope")
    zipped = root / "autograder.zip"
    assert build_autograder(zipped) == []
    with zipfile.ZipFile(zipped) as archive:
        names = archive.namelist()
        for script in SCRIPTS:
            assert script in names and (archive.getinfo(script).external_attr >> 16) & 0o111, script
        archive.extractall(root / "pristine")
    for built in ("coco_captioning", "char_lm"):  # what setup.sh's `make data` builds
        shutil.copytree(ROOT / "datasets" / built, root / "pristine" / "datasets" / built)
    return root


def run_gradescope(autograder, student, tmp_path):
    """A fresh /autograder for one submission (Gradescope starts each in a fresh container)."""
    root = tmp_path / student
    shutil.copytree(autograder / "pristine", root / "source", symlinks=True)
    write_submission(root / "submission", SUBMISSIONS[student](), extra=FORGED_CHECKS)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "grading.gradescope",
            "--root",
            str(root),
            "--no-notebooks",
            "--time-limit",
            "600",
        ],
        cwd=root / "source",
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return json.loads((root / "results" / "results.json").read_text())


@pytest.mark.parametrize("student", list(SUBMISSIONS))
def test_gradescope_results_follow_the_specification_and_give_what_was_earned(autograder, tmp_path, student):
    results = run_gradescope(autograder, student, tmp_path)
    tests = results["tests"]
    assert len(tests) == N and all(SPEC_FIELDS <= set(t) for t in tests), tests[:2]
    assert all(t["visibility"] in {"visible", "hidden", "after_due_date", "after_published"} for t in tests)
    assert all(0 <= t["score"] <= t["max_score"] == 1 for t in tests)
    assert results["score"] == sum(t["score"] for t in tests), results
    if student in EXPECTED:
        assert results["score"] == EXPECTED[student], results["output"]
    else:
        earned = {t["name"].split()[0]: t["score"] for t in tests}
        assert all(earned[name] == 0 for name in FORGED), earned
        assert results["score"] <= N - len(FORGED)
    assert isinstance(results["execution_time"], int) and isinstance(results["output"], str)
    failed = [t for t in tests if t["status"] == "failed"]
    assert all(t["output"].startswith(("TODO", "wrong")) for t in failed)
    if student == "partial":
        assert "assignment/char_lm.py was not submitted" in results["output"]


def test_a_submission_that_brings_its_own_checks_gains_nothing(autograder, tmp_path):
    results = run_gradescope(autograder, "malicious", tmp_path)
    rnn = next(t for t in results["tests"] if t["name"].startswith("rnn_step_forward "))
    assert rnn["score"] == 0 and "next_h is wrong" in rnn["output"]
    course = tmp_path / "malicious" / "source"
    assert (course / "checks" / "core.py").read_text() != FORGED_CHECKS["checks/core.py"]


def test_the_gradebook_grades_a_folder_and_each_submission_only_costs_its_own_grade(tmp_path):
    folder = tmp_path / "submissions"
    for student, files in SUBMISSIONS.items():
        write_submission(folder / student, files(), extra=FORGED_CHECKS)
    shutil.make_archive(str(folder / "zipped"), "zip", folder / "correct")  # a .zip works like a folder
    out = tmp_path / "grades"
    proc = subprocess.run(
        [sys.executable, "-m", "grading.gradebook", str(folder), "--no-notebooks", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    with open(out / "grades.csv", newline="") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    assert set(rows) == {*SUBMISSIONS, "zipped"}
    for student in rows:
        row = rows[student]
        per_item = [float(row[e.name]) for e in EXERCISES]
        feedback = (out / "feedback" / f"{student}.txt").read_text()
        expected = {**EXPECTED, "zipped": N}.get(student, sum(per_item))
        assert float(row["total"]) == sum(per_item) == expected, feedback
        assert float(row["max"]) == N
        assert feedback.count("\n") > N
    assert all(float(rows["malicious"][name]) == 0 for name in FORGED)
    assert "rnn_step_forward: wrong (0 of 1)" in (out / "feedback" / "malicious.txt").read_text()
