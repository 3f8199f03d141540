"""Run a student's code in a worker process with a time limit and a cap on what it prints.

The verdict is decided here, in the parent, from what the worker wrote to its result file and how it
ended, so nothing the student's code does (exit, hang, crash, print without end) can change the exit
status of ``make check`` or stall it.
"""

import io
import json
import os
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from course.paths import ROOT

# Every exercise's check takes well under a second with a correct NumPy implementation (the slowest,
# sample_with_temperature, about 0.1 s; the worker's start-up about 0.3 s). Even Python loops over
# every element stay far below this limit; `make check TIMEOUT=...` raises it.
DEFAULT_TIMEOUT = 60.0
FLOOD_LINES = 10_000  # more than this many printed lines is a flood, not a debugging print
FLOOD_BYTES = 2_000_000
KEEP_BYTES = 4_000  # what is kept of the output, to quote its first line


def child_env(extra=None):
    """The environment of a process that runs student code: UTF-8 whatever the locale."""
    env = dict(os.environ, PYTHONUTF8="1", PYTHONIOENCODING="utf-8")
    env.pop("PYTHONSTARTUP", None)
    env.update(extra or {})
    return env


@dataclass
class Outcome:
    """How a worker ended: its result (a dict, or None) and what went wrong around it."""

    result: dict = None
    returncode: int = 0
    timed_out: bool = False
    flooded: bool = False
    lines: int = 0
    head: str = ""
    outputs: dict = None  # grading: the arrays the worker saved beside its result (checks.grading)

    def first_output_line(self):
        return next((line.strip() for line in self.head.splitlines() if line.strip()), "")


class _OutputCounter(threading.Thread):
    """Reads a pipe to its end: counts lines and bytes, keeps the start, stops a flood."""

    def __init__(self, pipe, on_flood):
        super().__init__(daemon=True)
        self.pipe, self.on_flood = pipe, on_flood
        self.lines = self.size = 0
        self.head = b""
        self.flooded = False

    def run(self):
        while True:
            chunk = os.read(self.pipe.fileno(), 65536)
            if not chunk:
                return
            self.size += len(chunk)
            self.lines += chunk.count(b"\n")
            if len(self.head) < KEEP_BYTES:
                self.head += chunk[: KEEP_BYTES - len(self.head)]
            if not self.flooded and (self.lines > FLOOD_LINES or self.size > FLOOD_BYTES):
                self.flooded = True
                self.on_flood()


def kill_group(proc):
    """Kill the worker and anything it started (it leads its own process group)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


RUNNING = set()  # processes running student code now, so that Ctrl-C in the parent can stop them all


def stop_all():
    for proc in list(RUNNING):
        kill_group(proc)


class SameUser:
    """How `make check` starts a worker: this Python, as this user, from the course folder.

    A grader passes its own launcher instead (grading.sandbox), with the same methods.
    """

    preexec_fn = None  # run in the worker's process before it starts (a grader's limits)

    def results_inside(self, results):
        """The worker's writable folder `results` as the worker sees it."""
        return Path(results)

    def command(self, args, results, env=None):
        """(argv, cwd, env) that run `python -m checks.worker *args`."""
        return [sys.executable, "-m", "checks.worker", *map(str, args)], ROOT, child_env(env)

    def finished(self, results):
        """Called after each worker, with its folder (a sandbox kills what it left behind)."""


RESULT_BYTES = 1_000_000  # a worker's result.json is a few kB
OUTPUT_BYTES = 256 * 2**20  # and its saved outputs (grading) a few MB


def read_regular_file(path, limit):
    """The bytes of `path` if it is a regular file (not a link) of at most `limit` bytes, else None.

    The worker's folder is the student's code's to write: what is there is read as data, never followed.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        return f.read(limit)


def declared_bytes(data):
    """The bytes the arrays of an .npz say they hold (numpy allocates them before reading), or None when
    a member is not a plain .npy or says it holds more than it does."""
    total = 0
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            with archive.open(info) as f:
                version = np.lib.format.read_magic(f)
                read = (
                    np.lib.format.read_array_header_1_0
                    if version == (1, 0)
                    else np.lib.format.read_array_header_2_0
                )
                shape, _, dtype = read(f)
            size = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
            if dtype.hasobject or size > info.file_size:
                return None
            total += size
    return total


def load_arrays(data, limit=OUTPUT_BYTES):
    """{name: array} from the bytes of an .npz, or None when they are not one, hold objects (no pickles
    are read) or would take more than `limit` bytes once loaded (a small file can declare huge arrays)."""
    try:
        size = declared_bytes(data)
        if size is None or size > limit:
            return None
        with np.load(io.BytesIO(data), allow_pickle=False) as saved:
            return {key: np.asarray(saved[key]) for key in saved.files}
    except Exception:  # whatever the bytes are, they are not outputs
        return None


def run_worker(args, timeout, env=None, read_outputs=False, launcher=None):
    """Run `python -m checks.worker *args RESULT` in its own process group; return an Outcome.

    With read_outputs, the arrays the worker saved in RESULT.npz are read into Outcome.outputs.
    `launcher` says how the worker is started (SameUser when None).
    """
    launcher = launcher or SameUser()
    with tempfile.TemporaryDirectory(prefix="check-") as tmp:
        result_path = Path(tmp) / "result.json"
        inside = launcher.results_inside(tmp) / "result.json"
        command, cwd, run_env = launcher.command([*args, inside], tmp, env)
        proc = subprocess.Popen(
            command,
            cwd=cwd,
            env=run_env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches only the parent, which stops the workers
            preexec_fn=launcher.preexec_fn,
        )
        RUNNING.add(proc)
        counter = _OutputCounter(proc.stdout, lambda: kill_group(proc))
        counter.start()
        timed_out = False
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            kill_group(proc)
            proc.wait()
        finally:
            RUNNING.discard(proc)
            launcher.finished(tmp)
        counter.join(timeout=5)
        proc.stdout.close()
        data = read_regular_file(result_path, RESULT_BYTES) or b""
        text = data.decode("utf-8", errors="replace")
        try:
            result = json.loads(text) if text and not (timed_out or counter.flooded) else None
        except json.JSONDecodeError:
            result = None
        outputs = None
        if read_outputs and result is not None:
            saved = read_regular_file(f"{result_path}.npz", OUTPUT_BYTES)
            outputs = load_arrays(saved) if saved else None  # None: the grader finds every output missing
        return Outcome(
            outputs=outputs,
            result=result if isinstance(result, dict) else None,
            returncode=proc.returncode,
            timed_out=timed_out,
            flooded=counter.flooded,
            lines=counter.lines,
            head=counter.head.decode("utf-8", "replace"),
        )


def signal_name(returncode):
    try:
        return signal.Signals(-returncode).name
    except ValueError:
        return f"signal {-returncode}"


def fatal_cause(outcome, timeout):
    """One line on why a worker gave no verdict, or None when it gave one."""
    if outcome.timed_out:
        return (
            f"did not finish within {timeout:g} s (an endless loop? if your code is just slow, "
            f"`make check TIMEOUT={int(timeout * 4)}` allows more)"
        )
    if outcome.flooded:
        first = outcome.first_output_line()[:80]
        return (
            f"printed more than {FLOOD_LINES:,} lines while being checked (the first: {first!r}); "
            "remove the print, or print only once"
        )
    if outcome.result is not None:
        return None
    if outcome.returncode < 0:
        sig = -outcome.returncode
        why = {
            signal.SIGSEGV: ": memory was read or written outside an array (np.lib.stride_tricks, ctypes?)",
            signal.SIGKILL: ": killed from outside, perhaps for using too much memory",
            signal.SIGABRT: ": a library aborted",
        }.get(sig, "")
        return f"the process died with signal {sig} ({signal_name(outcome.returncode)}){why}"
    return (
        f"the process ended before the check finished (exit status {outcome.returncode}): "
        "does your code call os._exit() or kill its own process?"
    )
