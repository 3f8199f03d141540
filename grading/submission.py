"""One submission graded: its files read as data, its code run in a sandbox, its outputs judged here.

Shared by the Gradescope runner (``grading.gradescope``) and the local gradebook (``grading.gradebook``).
The process that runs this module is the grader: it runs no student code and reads no document a
student's process wrote as a verdict. Before any student code runs it holds the points table, the
reference values and the plan (every graded variant's inputs and expected outputs, ``grading.plan``).
Then, for each submission:

1. ``read_submission`` takes only the files a student edits (``STUDENT_FILES``), as bytes, from a folder
   or a .zip (any case of the suffix, Windows or POSIX member names, each at most ``MAX_FILE_BYTES``);
   anything it cannot read becomes the reason on that submission's row.
2. A course copy of its own (root's, read-only to the submission) gets the handed-out stubs and the
   submitted files, and the graded inputs of each exercise.
3. Each exercise's worker runs in a ``grading.sandbox.Sandbox`` as the submission's own uid; it
   computes outputs, and the grader compares them (``checks.grading.Verifier``). Only that comparison
   makes an exercise done; the worker's own report supplies the feedback of an exercise that earns
   nothing. The points are the grader's, from ``grading/points.toml``.
4. Everything the submission started is killed before the next one starts.

Notebooks are not graded (each submission's notes say so): a notebook's outputs come from a kernel that
runs the student's code, which can print whatever the reference notebook printed.
"""

import resource
import shutil
import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath

from checks.exercise_runs import ExerciseRun
from checks.grading import Verifier, save_variants
from checks.isolation import child_env
from checks.registry import BY_NAME, EXERCISES
from checks.results import Item

from .sandbox import Sandbox

STUDENT_FILES = sorted({f"{exercise.module}.py" for exercise in EXERCISES})
MAX_FILE_BYTES = 1 * 2**20  # a student file is a few tens of kB
MAX_MEMBERS = 10_000  # entries of a submitted .zip that are looked at
EXERCISE_TIMEOUT = 60.0
MEMORY_LIMIT = 8 * 2**30  # bytes of address space per process of the submission
PROCESSES = 256  # processes of the submission's uid at once (a worker needs a few)
FILE_SIZE_LIMIT = 512 * 2**20  # bytes any file it writes may reach
NOT_GRADED = (
    "The notebooks are not graded: a notebook's outputs come from a kernel that runs the student's code, "
    "which can print whatever the reference notebook printed, so they prove nothing a grader can trust."
)


class SubmissionError(Exception):
    """A submission that cannot be read; the message is the reason on its row."""


@dataclass
class Graded:
    """The grade of one submission: its items (empty when it could not be graded) and notes."""

    items: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    taken: list = field(default_factory=list)  # the student files found in the submission
    failed: str = None  # why it could not be graded at all

    @property
    def score(self):
        return sum(item.earned for item in self.items)

    @property
    def max_score(self):
        return sum(item.points for item in self.items)


def _member_name(name):
    """A zip member's path as parts, whichever separator the archiver used."""
    return PureWindowsPath(name).parts if "\\" in name else PurePosixPath(name).parts


def _preferred(found, name, parts, read):
    """Keep the file under an `assignment/` folder, else the shallowest, for each student file name."""
    rank = ("assignment" not in parts[:-1], len(parts))
    if name not in found or rank < found[name][0]:
        found[name] = (rank, read)


def _read_folder(folder):
    found = {}
    for path in folder.rglob("*"):
        if path.name in STUDENT_FILES and not path.is_symlink() and path.is_file():
            _preferred(found, path.name, path.relative_to(folder).parts, path)
    files = {}
    for name, (_, path) in found.items():
        if path.stat().st_size > MAX_FILE_BYTES:
            raise SubmissionError(f"{name} is larger than {MAX_FILE_BYTES // 2**20} MiB")
        files[name] = path.read_bytes()
    return files


def _read_zip(path):
    try:
        with zipfile.ZipFile(path) as archive:
            found = {}
            for member in archive.infolist()[:MAX_MEMBERS]:
                parts = _member_name(member.filename)
                if parts and parts[-1] in STUDENT_FILES and not member.is_dir():
                    _preferred(found, parts[-1], parts, member)
            files = {}
            for name, (_, member) in found.items():
                if member.file_size > MAX_FILE_BYTES:
                    raise SubmissionError(f"{name} is larger than {MAX_FILE_BYTES // 2**20} MiB")
                with archive.open(member) as f:
                    data = f.read(MAX_FILE_BYTES + 1)
                if len(data) > MAX_FILE_BYTES:
                    raise SubmissionError(f"{name} is larger than {MAX_FILE_BYTES // 2**20} MiB")
                files[name] = data
            return files
    except SubmissionError:
        raise
    except NotImplementedError as error:
        raise SubmissionError(
            f"the .zip uses a compression it cannot read ({error}): use plain zip"
        ) from None
    except RuntimeError as error:  # zipfile's word for an encrypted member
        raise SubmissionError(f"the .zip could not be read ({error}): upload it without a password") from None
    except Exception as error:  # a damaged archive: BadZipFile, zlib.error, EOFError, OSError, ...
        raise SubmissionError(f"the .zip is damaged ({type(error).__name__}: {error})") from None


def read_submission(path):
    """{student file name: bytes} from a folder or a .zip; SubmissionError when it cannot be read."""
    path = Path(path)
    if path.is_symlink():
        raise SubmissionError("it is a symbolic link, not a folder or a .zip")
    if path.is_dir():
        return _read_folder(path)
    if path.is_file() and path.suffix.lower() == ".zip":
        return _read_zip(path)
    raise SubmissionError(
        f"{path.name} is neither a folder nor a .zip (the submissions must be one or the other)"
    )


def course_copy(edition, into, files):
    """A course copy for one submission, root's and read-only to everyone else: the edition with the
    submitted files over the handed-out stubs. Returns (taken, notes)."""
    shutil.copytree(edition, into, symlinks=True)
    package = into / "assignment"
    notes = []
    for name in STUDENT_FILES:
        if name in files:
            (package / name).write_bytes(files[name])
        else:
            notes.append(f"assignment/{name} was not submitted: its exercises count as not done")
    for path in [into, *into.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)
    return sorted(files), notes


def limits():
    """For every process of a submission: caps on memory, processes and file size, inherited."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_NPROC, (PROCESSES, PROCESSES))  # binds the uid, which is not root
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


class SandboxLauncher:
    """checks.isolation's launcher interface, for a worker in a Sandbox, each worker as a uid of its own
    (from `uids`, a callable), so that what one leaves behind is killed without touching another."""

    preexec_fn = staticmethod(limits)

    def __init__(self, sandbox, uids):
        self.sandbox, self.uids = sandbox, uids
        self.running, self.lock = {}, threading.Lock()

    def results_inside(self, results):
        return self.sandbox.results_inside(results)

    def command(self, args, results, env=None):
        uid = self.uids()
        with self.lock:
            self.running[str(results)] = uid
        argv = self.sandbox.command(self.sandbox.python("checks.worker", *args), results, env, uid=uid)
        # The grader's own environment, for unshare and setpriv; the worker's is set inside (env -i)
        return argv, "/", child_env()

    def finished(self, results):
        with self.lock:
            uid = self.running.pop(str(results))
        self.sandbox.kill_all(uid)


class Grader:
    """Grades submissions against what it read before any student code ran.

    plan: grading.plan.Plan; points: ({exercise: points}, {notebook: points}), of which the grader uses
    the exercises' (it grades no notebook); edition: the student
    edition (a folder) each course copy is made from; mode: the Sandbox mode; shown: folders a
    sandbox shows read-only (the data sets).
    """

    def __init__(self, plan, points, edition, mode, shown=(), timeout=EXERCISE_TIMEOUT, exercises=EXERCISES):
        self.exercises = list(exercises)
        self.verifier = Verifier(plan.expected)
        self.plan, self.points = plan, points
        self.edition, self.mode, self.shown, self.timeout = Path(edition), mode, list(shown), timeout

    def grade(self, files, workdir, uids):
        """Graded for {file name: bytes}, in `workdir` (an empty folder of the grader's); `uids()` gives
        a fresh uid for each process of the submission."""
        workdir = Path(workdir)
        workdir.chmod(0o711)  # the uid may pass through to its course copy, and list nothing
        course = workdir / "course"
        taken, notes = course_copy(self.edition, course, files)
        # A file not submitted, or submitted as handed out, is a stub: its exercises are TODO, and
        # running a worker for each would only take time (a class's partial submissions, many minutes).
        stubs = {
            Path(name).stem
            for name in STUDENT_FILES
            if files.get(name) in (None, (self.edition / "assignment" / name).read_bytes())
        }
        variants = course / ".variants"
        variants.mkdir(mode=0o755)
        sandbox = Sandbox(course, uids(), self.mode, shown=self.shown)
        inside = {}
        for exercise in self.exercises:
            save_variants(self.plan.variants[exercise.name], variants / f"{exercise.name}.pkl")
            (variants / f"{exercise.name}.pkl").chmod(0o644)
            inside[exercise.name] = sandbox.course_inside / ".variants" / f"{exercise.name}.pkl"
        try:
            run = ExerciseRun(
                sandbox.course_inside / "assignment", self.exercises, BY_NAME, self.timeout,
                verifier=self.verifier, launcher=SandboxLauncher(sandbox, uids), variants=inside, stubs=stubs,
            )  # fmt: skip
            run.run()
        finally:
            sandbox.cleanup()
        return Graded(items=self.items(run), notes=[*notes, NOT_GRADED], taken=taken)

    def items(self, run):
        exercise_points, _ = self.points
        items = []
        for exercise in self.exercises:
            report = run.reports[exercise.name]
            item = Item.of_exercise(report, exercise_points[exercise.name], exercise.notebook)
            # A report's text comes from the student's code: bounded, so that no feedback is a flood.
            item.problems = [problem[:500] for problem in item.problems[:20]]
            item.hint = item.hint and item.hint[:1000]
            items.append(item)
        return items


def feedback(graded):
    """What a student reads: every exercise and notebook with its points, problems and hint."""
    lines = list(graded.notes)
    if graded.failed:
        return "\n".join([*lines, f"No points: {graded.failed}"]) + "\n"
    lines.append(f"Score: {graded.score:g} of {graded.max_score:g}")
    for item in graded.items:
        lines.append(f"\n{item.name}: {item.state} ({item.earned:g} of {item.points:g})")
        lines += [f"  - {problem}" for problem in item.problems]
        if item.hint:
            lines.append(f"  Hint: {item.hint}")
    return "\n".join(lines) + "\n"
