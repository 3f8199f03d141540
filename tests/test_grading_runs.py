"""The gradebook and the Gradescope runner, on correct, careless, broken and dishonest submissions.

Each dishonest submission is the handed-out stubs plus an attack that runs when its rnn_layers.py is
imported (in every worker of its rnn_layers exercises): what it earns is what its code earns, 0, and
the correct submissions graded beside it keep their full score. Notebooks are not graded (see
grading.submission), so every run is the exercises only.
"""

import csv
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from checks.registry import EXERCISES
from grading.autograder import SCRIPTS, build_autograder
from grading.sandbox import FIRST_UID
from grading.submission import MAX_FILE_BYTES, STUDENT_FILES
from tests.helpers import ROOT, SOLUTIONS

pytestmark = pytest.mark.xdist_group("grading")  # one worker builds the class's gradebook once
if os.geteuid() != 0:
    pytest.skip("grading runs each submission as a uid of its own (root only)", allow_module_level=True)

N = len(EXERCISES)
RNN = sum(e.module == "rnn_layers" for e in EXERCISES)
SPEC_FIELDS = {"name", "score", "max_score", "status", "output", "visibility"}
STUB = (ROOT / "assignment" / "rnn_layers.py").read_text()
SOLVED = {name: (SOLUTIONS / name).read_text() for name in STUDENT_FILES}
FORGED = json.dumps({"score": 34, "max_score": 34, "exercises": [], "notebooks": [], "summary": "all done"})

ATTACKS = {
    # writes an "everything done" document to every process's stdout it can open, then kills them
    "forge_stdout": f"""
import os, signal
for pid in [p for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()]:
    try:
        with open(f"/proc/{{pid}}/fd/1", "w") as out:
            out.write({FORGED!r})
    except OSError:
        pass
    try:
        os.kill(int(pid), signal.SIGKILL)
    except OSError:
        pass
""",
    # takes the parent's stdout through pidfd_getfd (needs the right to ptrace it) and forges there
    "pidfd": f"""
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
for pid in {{os.getppid(), *[int(p) for p in os.listdir("/proc") if p.isdigit()]}} - {{0, os.getpid()}}:
    try:
        pidfd = os.pidfd_open(pid)
    except OSError:
        continue
    fd = libc.syscall(438, pidfd, 1, 0)  # pidfd_getfd(pidfd, 1, 0)
    if fd >= 0:
        os.write(fd, {FORGED.encode()!r})
""",
    # imports the reference solution
    "import_solutions": "\nfrom solutions.rnn_layers import *  # noqa\n",
    # finds --variants in its argv, and looks for the answers near the file it names and anywhere
    "sniff": f"""
import os, sys
from pathlib import Path
places = [Path(sys.argv[sys.argv.index("--variants") + 1]).parent] if "--variants" in sys.argv else []
places += [Path({str(ROOT)!r}), Path("/")]
for place in places:
    for parent in [place, *place.parents]:
        for answer in (parent / "solutions" / "rnn_layers.py", parent / "grading" / "hidden_cases.py"):
            try:
                exec(answer.read_text(), globals())
            except OSError:
                pass
""",
    # edits its course copy (the reference values, the check, a points table) before they are read
    "edit_course": """
from pathlib import Path
course = Path(__file__).resolve().parents[1]
for path, text in [("checks/reference_values.json", "{}"), ("checks/core.py", "normwise_error = None"),
                   ("grading/points.toml", "[exercises]\\nrnn_step_forward = 1000\\n")]:
    try:
        (course / path).parent.mkdir(parents=True, exist_ok=True)
        (course / path).write_text(text)
    except OSError:
        pass
""",
    # leaves a detached daemon that overwrites every rnn_layers.py it can reach, for a minute
    "daemon": f"""
import glob, os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        end = time.time() + 60
        while time.time() < end:
            for path in glob.glob("/tmp/**/assignment/rnn_layers.py", recursive=True):
                try:
                    open(path, "w").write({STUB!r})
                except OSError:
                    pass
            time.sleep(0.1)
    os._exit(0)
""",
    # forks 600 processes that would outlive it (as root, no process limit bound them)
    "forks": """
import os, time
for _ in range(600):
    try:
        if os.fork() == 0:
            os.setsid()
            time.sleep(120)
            os._exit(0)
    except OSError:
        break
""",
    # drops a .pth into the venv, which would run in every later Python process
    "pth": """
import site, sysconfig
for folder in {sysconfig.get_paths()["purelib"], *site.getsitepackages()}:
    try:
        open(folder + "/zz_course_attack.pth", "w").write("import os; os.system('true')\\n")
    except OSError:
        pass
""",
}


def stub_with(attack):
    return {"rnn_layers.py": STUB + attack}


def write_folder(folder, files):
    (folder / "assignment").mkdir(parents=True)
    for name, text in files.items():
        (folder / "assignment" / name).write_text(text)
    return folder


def write_zip(path, files, separator="/"):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(f"assignment{separator}{name}", text)
    return path


def patched_zip(path, flag=None, method=None, corrupt=False):
    """A zip of the solved rnn_layers.py, its headers patched: encrypted, an unknown method, bad data."""
    write_zip(path, {"rnn_layers.py": SOLVED["rnn_layers.py"]})
    data = bytearray(path.read_bytes())
    local, central = data.find(b"PK\x03\x04"), data.find(b"PK\x01\x02")
    if flag is not None:
        data[local + 6] |= flag
        data[central + 8] |= flag
    if method is not None:
        data[local + 8 : local + 10] = data[central + 10 : central + 12] = method.to_bytes(2, "little")
    if corrupt:
        start = local + 30 + int.from_bytes(data[local + 26 : local + 28], "little")
        data[start + 10 : start + 40] = b"\xff" * 30
    path.write_bytes(bytes(data))
    return path


def grade_folder(folder, tmp_path):
    out = tmp_path / "grades"
    proc = subprocess.run(
        [sys.executable, "-m", "grading.gradebook", str(folder), "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=1500,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        return {row["student"]: row for row in csv.DictReader(f)}, out


def test_the_class_is_graded_on_one_worker(request):
    """make test's --dist loadgroup keeps this module on one worker, so the class's gradebook (minutes)
    is built once and no other worker's sandbox runs beside it (pytest-xdist 3.8 under pytest 9.2 cannot)."""
    if getattr(request.config.option, "loadgroup", False):
        assert request.node.nodeid.endswith("@grading"), request.node.nodeid


def sandbox_processes():
    """Processes still running under a grading uid."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            uid = int(
                next(line for line in status.read_text().splitlines() if line.startswith("Uid:")).split()[1]
            )
        except (OSError, StopIteration, ValueError):
            continue
        if uid >= FIRST_UID:
            found.append(status.parent.name)
    return found


@pytest.fixture(scope="session")  # once per test worker, however pytest orders the modules
def class_graded(tmp_path_factory):
    """One gradebook run over every attack, each beside a correct submission, and the careless ones."""
    tmp = tmp_path_factory.mktemp("class")
    folder = tmp / "submissions"
    for name, attack in ATTACKS.items():
        write_folder(folder / f"{name}", stub_with(attack))
        write_folder(folder / f"{name}_neighbour", SOLVED)
    write_folder(folder / "partial", {"rnn_layers.py": SOLVED["rnn_layers.py"]})
    write_folder(folder / "broken", {**SOLVED, "captioning_rnn.py": "def loss(:\n"})
    write_zip(folder / "Upper.ZIP", SOLVED)
    write_zip(folder / "windows.zip", SOLVED, separator="\\")
    patched_zip(folder / "encrypted.zip", flag=0x1)
    patched_zip(folder / "compression.zip", method=99)
    patched_zip(folder / "corrupt.zip", corrupt=True)
    write_folder(folder / "dup", SOLVED)
    write_zip(folder / "dup.zip", {"rnn_layers.py": SOLVED["rnn_layers.py"]})
    shutil.make_archive(str(folder / "tarred"), "gztar", write_folder(tmp / "tarred", SOLVED))
    write_folder(folder / "huge", {"rnn_layers.py": SOLVED["rnn_layers.py"] + "#" * MAX_FILE_BYTES})
    write_folder(folder / "=HYPERLINK(1)", SOLVED)
    write_folder(folder / "new\nline", {"rnn_layers.py": SOLVED["rnn_layers.py"]})
    rows, out = grade_folder(folder, tmp)
    return rows, out, folder


def test_every_attack_earns_what_its_code_earns_and_its_neighbour_keeps_full_marks(class_graded):
    rows, out, _ = class_graded
    for name in ATTACKS:
        assert float(rows[name]["total"]) == 0, (name, (out / "feedback" / f"{name}.txt").read_text()[:3000])
        assert float(rows[f"{name}_neighbour"]["total"]) == N, name


def test_no_process_of_a_submission_outlives_the_run_and_the_venv_is_untouched(class_graded):
    assert sandbox_processes() == []
    site = Path(sys.prefix) / "lib"
    assert not list(site.rglob("zz_course_attack.pth"))
    assert (ROOT / "assignment" / "rnn_layers.py").read_text() == STUB


def test_careless_submissions_earn_what_they_hold(class_graded):
    rows, out, _ = class_graded
    assert float(rows["partial"]["total"]) == RNN
    assert "assignment/char_lm.py was not submitted" in rows["partial"]["notes"]
    captioning = sum(e.module == "captioning_rnn" for e in EXERCISES)
    assert float(rows["broken"]["total"]) == N - captioning
    assert float(rows["Upper"]["total"]) == float(rows["windows"]["total"]) == N


def test_a_submission_that_cannot_be_read_is_a_row_with_its_reason(class_graded):
    rows, _, folder = class_graded
    assert {p.name for p in folder.iterdir()} - {"dup", "dup.zip"} <= {
        *rows,
        *(f"{s}.zip" for s in rows),
        *(f"{s}.ZIP" for s in rows),
        "tarred.tar.gz",
        "new\nline",
        "=HYPERLINK(1)",
    }
    reasons = {
        "encrypted": "without a password",
        "compression": "compression it cannot read",
        "corrupt": "damaged",
        "tarred.tar.gz": "neither a folder nor a .zip",
        "huge": "larger than 1 MiB",
    }
    for student, reason in reasons.items():
        assert reason in rows[student]["notes"], (student, rows[student]["notes"])
        assert float(rows[student]["total"]) == 0
    assert float(rows["dup"]["total"]) == N and float(rows["dup.zip"]["total"]) == RNN


def test_names_cannot_become_formulas_or_stray_files(class_graded):
    rows, out, _ = class_graded
    assert "'=HYPERLINK(1)" in rows and float(rows["'=HYPERLINK(1)"]["total"]) == N
    files = sorted(p.name for p in (out / "feedback").iterdir())
    assert all("\n" not in name and not name.startswith("=") for name in files), files
    assert "new_line.txt" in files and rows["new\nline"]["feedback"] == "new_line.txt"


@pytest.fixture(scope="session")
def autograder(tmp_path_factory):
    """The autograder zip, extracted as Gradescope extracts it into /autograder/source, with data."""
    root = tmp_path_factory.mktemp("gradescope")
    zipped = root / "autograder.zip"
    assert build_autograder(zipped, offset=31337) == []
    with zipfile.ZipFile(zipped) as archive:
        names = archive.namelist()
        for script in SCRIPTS:
            assert script in names and (archive.getinfo(script).external_attr >> 16) & 0o111, script
        assert (archive.getinfo("grading/plan.pkl").external_attr >> 16) & 0o077 == 0
        assert not [
            n for n in names if n.startswith("solutions/") or n.endswith("hidden_cases.py") or "answers/" in n
        ]
        archive.extractall(root / "pristine")
    (root / "pristine" / "grading" / "plan.pkl").chmod(0o600)
    for built in ("coco_captioning", "char_lm"):  # what setup.sh's `make data` builds
        shutil.copytree(ROOT / "datasets" / built, root / "pristine" / "datasets" / built)
    return root


def run_gradescope(autograder, tmp_path, files, student="student"):
    """A fresh /autograder for one submission (Gradescope starts each in a fresh container)."""
    root = tmp_path / student
    shutil.copytree(autograder / "pristine", root / "source", symlinks=True)
    write_folder(root / "submission", files)
    proc = subprocess.run(
        [sys.executable, "-m", "grading.gradescope", "--root", str(root)],
        cwd=root / "source", capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return json.loads((root / "results" / "results.json").read_text()), root


@pytest.mark.parametrize("student", ["correct", "forge_stdout", "edit_course"])
def test_gradescope_results_follow_the_specification_and_give_what_was_earned(autograder, tmp_path, student):
    files = SOLVED if student == "correct" else stub_with(ATTACKS[student])
    results, root = run_gradescope(autograder, tmp_path, files, student)
    tests = results["tests"]
    assert len(tests) == N and all(SPEC_FIELDS <= set(t) for t in tests), tests[:2]
    assert all(0 <= t["score"] <= t["max_score"] for t in tests)
    assert results["score"] == sum(t["score"] for t in tests) == (N if student == "correct" else 0), results
    assert isinstance(results["execution_time"], int) and isinstance(results["output"], str)
    assert (root / "source" / "checks" / "core.py").read_text() != "normwise_error = None"


def test_gradescope_always_writes_results_even_when_the_autograder_cannot_grade(autograder, tmp_path):
    root = tmp_path / "broken"
    shutil.copytree(autograder / "pristine", root / "source", symlinks=True)
    (root / "source" / "grading" / "plan.pkl").unlink()
    write_folder(root / "submission", SOLVED)
    proc = subprocess.run(
        [sys.executable, "-m", "grading.gradescope", "--root", str(root)],
        cwd=root / "source", capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 0 and "autograder failed" in results["output"]
